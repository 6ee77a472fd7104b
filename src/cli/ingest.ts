import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { type Config, DEFAULT_WRITE_CONCURRENCY, requireConcurrencyWithinPool } from '../config.js';
import type { DatabaseTarget } from '../db/database.js';
import { openConnections } from '../db/pool.js';
import { requireMigratedSchema } from '../db/schema-check.js';
import { parseResolution, isoToMicros } from '../domain/timestamp.js';
import { OptdbError } from '../errors.js';
import { ingest, type IngestOptions, IngestStopped, type IngestSummary, type MaxRejects } from '../ingest/pipeline.js';
import { loadCommittedRanges, recordBatch } from '../ingest/ledger.js';
import { RejectSink } from '../ingest/rejects.js';
import { refreshStatistics } from '../ingest/refresh-statistics.js';
import { INPUT_FORMATS, type InputFormat } from '../sources/source-record.js';
import { DEFAULT_BATCH_LIMITS } from '../write/batch.js';
import { createStrategyChain } from '../write/create-strategy.js';
import type { WriteEvent } from '../write/gated-writer.js';
import { retryLimitsFrom } from '../write/resilient-writer.js';
import { STRATEGY_NAMES, type StrategyName, type WriteStrategy } from '../write/strategy.js';
import { limitStepsFrom } from '../write/write-gate.js';
import { addMetricsListenOption, type MetricsFlags, MetricsOutput } from './metrics-output.js';
import { checked, choiceOption, integerOption } from './option-parsers.js';
import { say, warn } from './output.js';
import { createProgressDisplay } from './progress-display.js';
import { onInterrupt, onShutdown } from './shutdown.js';
import { withDatabase } from './with-database.js';

export const DEFAULT_RESOLUTION = '1m';

export interface IngestFlags extends MetricsFlags {
  format?: InputFormat;
  strategy: StrategyName;
  batchSize: number;
  /** Default: OPTDB_WRITE_CONCURRENCY. */
  concurrency?: number;
  rejects?: string;
  maxRejects?: MaxRejects;
  capturedAt?: bigint;
  resolution?: bigint;
  dryRun?: boolean;
  importId?: string;
  json?: boolean;
  /** false: do not ANALYZE the tables the ingest changed a lot. */
  analyze: boolean;
  progress: boolean;
}

export function registerIngest(program: Command, config: () => Config): void {
  const command = program
    .command('ingest')
    .description('load option-chain snapshots (JSON, NDJSON) or day_aggs flat files (CSV) into PostgreSQL')
    .argument('<paths...>', 'input files (.gz accepted); - reads stdin')
    .option('--format <format>', `input format, detected when omitted: ${INPUT_FORMATS.join(' | ')}`, choiceOption(INPUT_FORMATS))
    .option('--strategy <strategy>', `write strategy: ${STRATEGY_NAMES.join(' | ')}`, choiceOption(STRATEGY_NAMES), 'copy')
    .option('--batch-size <rows>', 'rows per batch', integerOption(1, 1_000_000), DEFAULT_BATCH_LIMITS.maxRows)
    .option('--concurrency <batches>', `batches written at once, at most the pool size (env OPTDB_WRITE_CONCURRENCY, default ${DEFAULT_WRITE_CONCURRENCY})`, integerOption(1, 1_000))
    .option('--rejects <file>', 'write rejected rows with their reasons to this NDJSON file')
    .option('--max-rejects <n|pct>', 'stop when more rows than this (e.g. 100, or 5%) are rejected', checked(parseMaxRejects, 'a count or a percentage such as 5%'))
    .option('--captured-at <iso>', 'capture time for every snapshot row (default: newest timestamp in the row)', checked(isoToMicros, 'an ISO-8601 time with zone, e.g. 2025-11-20T20:00:00Z'))
    .option(
      '--resolution <step>',
      `truncate capture times to this step: 1s, 1m, 5m, 1h, 1d (default ${DEFAULT_RESOLUTION} for derived times; a --captured-at is kept as given unless this is set)`,
      checked(parseResolution, 'a step such as 1m, 5m or 1d'),
    )
    .option('--import-id <id>', 'record the (single) input under this identity for resuming (default: path, size and hash of its first MB)')
    .option('--dry-run', 'parse and validate only; write nothing (no database needed)')
    .option('--json', 'print the summary as JSON')
    .option('--metrics-file <path>', 'write Prometheus metrics (rows, batch latency, gate, retries and errors by SQLSTATE) here when the ingest ends');
  addMetricsListenOption(command)
    .option('--no-analyze', 'do not ANALYZE the tables this ingest changed by more than 20 % (and ≥ 1,000 rows) at the end')
    .option('--no-progress', 'no progress bar or progress lines')
    .action(async (paths: string[], flags: IngestFlags) => {
      if (flags.importId !== undefined && paths.length > 1) {
        throw new OptdbError('CONFIG_INVALID', `--import-id names one input, got ${paths.length}.`, { remedy: 'Run one ingest per input, or drop --import-id.' });
      }
      await refuseOutputsThatAreInputs(paths, { '--rejects': flags.rejects, '--metrics-file': flags.metricsFile });
      try {
        printSummary(flags.dryRun ? await run(paths, flags, undefined) : await runWithDatabase(config(), paths, flags), flags);
      } catch (error) {
        // A stop is reported with what was done until then; the error itself follows on stderr.
        if (error instanceof IngestStopped) printSummary(error.summary, flags);
        throw error;
      }
    });
}

async function runWithDatabase(config: Config, paths: string[], flags: IngestFlags): Promise<IngestSummary> {
  const concurrency = flags.concurrency ?? config.writeConcurrency;
  requireConcurrencyWithinPool(concurrency, config);
  // Ctrl-C: stop reading; the batches under way commit (with their ledger rows), the
  // summary is printed and a server this command started is stopped before the exit.
  const interrupt = new AbortController();
  let summarySoFar: (() => IngestSummary) | undefined;
  // The writes under way did not finish in time: the summary of what is committed is
  // still printed before the exit.
  const giveUp = () => {
    if (summarySoFar) printSummary({ ...summarySoFar(), stopped: `the batches under way did not finish within ${config.stopGraceMs / 1000} s of the signal (OPTDB_STOP_GRACE_MS)` }, flags);
  };
  const unregister = onInterrupt(
    async () => {
      warn('optdb: stopping: the rows read so far are being written');
      interrupt.abort();
    },
    config.stopGraceMs,
    giveUp,
  );
  try {
    return await withDatabase(config, (target) => ingestInto(target, config, paths, { ...flags, concurrency }, interrupt.signal, (read) => (summarySoFar = read)));
  } finally {
    unregister();
  }
}

/** Ingests into an open database with the process's one pool and Prisma client. */
export async function ingestInto(
  target: DatabaseTarget,
  config: Config,
  paths: string[],
  flags: IngestFlags,
  signal?: AbortSignal,
  onStarted?: IngestOptions['onStarted'],
): Promise<IngestSummary> {
  await requireMigratedSchema(target.directUrl);
  const { pool, prisma, close } = openConnections(target.url, config);
  // The server processes that write, so that the closing ANALYZE can wait for their statistics.
  const writerPids = new Set<number>();
  pool.on('connect', (client) => {
    // node-postgres keeps the server's process id from BackendKeyData (untyped).
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid !== undefined) writerPids.add(pid);
  });
  const unregister = onShutdown(close);
  let summary: IngestSummary;
  try {
    summary = await run(
      paths,
      flags,
      createStrategyChain(flags.strategy, pool, prisma),
      config,
      {
        committedRanges: (importId) => loadCommittedRanges(pool, importId, retryLimitsFrom(config)),
        record: (entry) => recordBatch(pool, entry, retryLimitsFrom(config)),
      },
      signal,
      onStarted,
    );
  } finally {
    unregister();
    await close();
  }
  // Interrupted: the user wants to stop; autovacuum analyzes in its own time.
  if (flags.analyze === false || summary.interrupted) return summary;
  const { analyzed, failed } = await refreshStatistics(target.url, summary.changedRows, [...writerPids]);
  for (const { table, code, meaning } of failed) warn(`optdb: ANALYZE ${table} did not finish (${code} ${meaning}); autovacuum will analyze it later`);
  return { ...summary, analyzed };
}

async function run(
  paths: string[],
  flags: IngestFlags,
  strategies: { strategy: WriteStrategy; fallbacks: WriteStrategy[] } | undefined,
  config?: Config,
  ledger?: IngestOptions['ledger'],
  signal?: AbortSignal,
  onStarted?: IngestOptions['onStarted'],
): Promise<IngestSummary> {
  const metricsOutput = new MetricsOutput(flags);
  const { metrics } = metricsOutput;
  const rejects = new RejectSink(flags.rejects);
  const display = createProgressDisplay(flags.progress && !flags.json);
  try {
    await metricsOutput.listen();
    return await ingest(paths, {
      strategy: strategies?.strategy,
      fallbacks: strategies?.fallbacks,
      retry: config && retryLimitsFrom(config),
      onEvent: (event) => warn(`optdb: ${describeEvent(event)}`),
      metrics,
      limitSteps: config && limitStepsFrom(config),
      concurrency: flags.concurrency ?? config?.writeConcurrency ?? 1,
      batchLimits: { ...DEFAULT_BATCH_LIMITS, maxRows: flags.batchSize },
      snapshot: { capturedAtMicros: flags.capturedAt, resolutionMicros: resolutionOf(flags) },
      format: flags.format,
      rejects,
      maxRejects: flags.maxRejects,
      onProgress: (progress) => display.update(progress),
      ledger,
      importId: flags.importId,
      signal,
      onStarted,
    });
  } finally {
    display.stop();
    await rejects.close();
    // Also after a failure: the retries and errors that led to it are in the metrics.
    await metricsOutput.writeFile();
    await metricsOutput.close();
  }
}

/**
 * An output file that is also an input would be truncated before it is read (`--rejects
 * data.csv`): refused before anything is opened. Same file: same device and inode, or
 * the same resolved path for an output that does not exist yet.
 */
async function refuseOutputsThatAreInputs(inputs: readonly string[], outputs: Record<string, string | undefined>): Promise<void> {
  const identity = async (file: string) => {
    const stat = await fs.stat(file).catch(() => undefined);
    return stat ? `${stat.dev}:${stat.ino}` : path.resolve(file);
  };
  const inputIds = new Map<string, string>();
  for (const input of inputs) if (input !== '-') inputIds.set(await identity(input), input);
  for (const [flag, output] of Object.entries(outputs)) {
    if (output === undefined) continue;
    const input = inputIds.get(await identity(output));
    if (input !== undefined) throw new OptdbError('CONFIG_INVALID', `${flag} ${output} is also an input (${input}): writing it would destroy the input before it is read.`, { remedy: `Give ${flag} another file.` });
  }
}

/** A time the user gave is kept to the microsecond unless --resolution says otherwise; derived ones default to DEFAULT_RESOLUTION. */
function resolutionOf(flags: IngestFlags): bigint {
  if (flags.resolution !== undefined) return flags.resolution;
  return flags.capturedAt !== undefined ? 1n : parseResolution(DEFAULT_RESOLUTION)!;
}

function parseMaxRejects(text: string): MaxRejects | undefined {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (!match) return undefined;
  if (match[2]) return Number(match[1]) <= 100 ? { percent: Number(match[1]) } : undefined;
  return Number.isInteger(Number(match[1])) ? { count: Number(match[1]) } : undefined;
}

// A summary is printed once per command: a give-up at the end of the stop grace may print
// it while the command is still finishing.
let summaryPrinted = false;

export function printSummary(summary: IngestSummary, flags: IngestFlags): void {
  if (summaryPrinted) return;
  summaryPrinted = true;
  if (flags.json) {
    say(JSON.stringify({ ...summary, elapsedMs: Math.round(summary.elapsedMs), rowsPerSecond: Math.round(summary.rowsPerSecond) }));
    return;
  }
  const line = (label: string, value: number, note = '') => say(`  ${label.padEnd(11)} ${String(value).padStart(10)}${note && `  ${note}`}`);
  if (summary.rowsRead === 0 && !summary.interrupted && summary.stopped === undefined) warn('optdb: nothing was read: the input holds no rows');
  const allSkipped = summary.rowsRead > 0 && summary.skipped === summary.rowsRead;
  const seconds = `${(summary.elapsedMs / 1000).toFixed(1)} s`;
  const verb = summary.stopped !== undefined ? 'stopped after reading' : summary.dryRun ? 'checked' : 'ingested';
  if (allSkipped) say(`nothing new: all ${summary.rowsRead} rows were committed by an earlier run (read in ${seconds})`);
  else say(`${verb} ${summary.rowsRead} rows in ${seconds} (${Math.round(summary.rowsPerSecond)} rows/s)`);
  if (summary.dryRun) {
    line('valid', summary.valid);
  } else {
    line('inserted', summary.inserted);
    line('updated', summary.updated);
    line('unchanged', summary.unchanged);
    if (summary.skipped > 0) line('skipped', summary.skipped, '(committed by an earlier run)');
  }
  line('collapsed', summary.collapsed);
  line('rejected', summary.rejected);
  if (!summary.dryRun) say(`  contracts   ${summary.contractsCreated} created, ${summary.contractsUpdated} updated`);
  if (summary.analyzed?.length) say(`  statistics  analyzed ${summary.analyzed.join(', ')} (changed by this ingest)`);
  if (summary.rejected > 0) say(flags.rejects ? `  rejects in ${flags.rejects}` : '  pass --rejects <file> to see why rows were rejected');
  const resume = summary.resumable
    ? 'run the same command again to resume after them'
    : 'stdin or a pipe has no identity to resume under: feed the whole input again (committed rows come back unchanged, never doubled), with --import-id <id> to make later runs resumable';
  const committed = summary.inserted + summary.updated + summary.unchanged;
  if (summary.stopped !== undefined) say(`  stopped: ${summary.dryRun ? 'checking stopped' : committed === 0 ? 'nothing was committed' : `the rows above are committed; ${resume}`}`);
  else if (summary.interrupted && !summary.dryRun) say(`  interrupted: the rows above are committed; ${resume}`);
  else if (summary.interrupted) say('  interrupted');
}

export function describeEvent(event: WriteEvent): string {
  switch (event.kind) {
    case 'retry':
      return `${event.code} on a batch of ${event.rows} rows (attempt ${event.attempt}); retrying`;
    case 'split':
      return `${event.code} on a batch of ${event.rows} rows; writing it in halves`;
    case 'fallback':
      return `${event.code} persists on a batch of ${event.rows} rows; falling back from ${event.from} to ${event.to}`;
    case 'limit':
      return `write limit ${event.from} → ${event.to} (${LIMIT_REASONS[event.reason]}${event.to === event.target ? '' : `, moving toward ${event.target}`})`;
    case 'slow-write':
    {
      const what = event.batches === 1 ? `a batch of ${event.rows} rows` : `${event.batches} batches (${event.rows} rows)`;
      return event.retrying
        ? `${what} for ${event.table} still not written after ${event.seconds} s: retrying after ${event.retrying}`
        : `${what} for ${event.table} still being written after ${event.seconds} s: another session may hold a lock on ${event.table} or on options, where its contracts go (\`optdb doctor\` names it under locks.held and locks.blocked)`;
    }
    case 'queue-pressure':
      return `${event.queued} writes queued, more than 5× the limit of ${event.limit}: expect latency and timeouts (lower the load or raise the limit gradually)`;
  }
}

const LIMIT_REASONS = {
  requested: 'a requested change, applied in steps',
  overload: 'the server is overloaded',
  recovery: 'healthy again',
} as const;
