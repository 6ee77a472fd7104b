/**
 * `optdb ingest`: the flags, the progress display, Ctrl-C and the summary; the ingest
 * itself is the library's ingestFiles (checkFiles for --dry-run).
 */
import type { Command } from 'commander';
import { type Config, DEFAULT_WRITE_CONCURRENCY } from '../config.js';
import { parseResolution, isoToMicros } from '../domain/timestamp.js';
import { type CheckFilesOptions, checkFiles, DEFAULT_RESOLUTION, ingestFiles, type IngestFilesOptions } from '../ingest/ingest-files.js';
import { IngestStopped, type IngestSummary, type MaxRejects } from '../ingest/pipeline.js';
import { INPUT_FORMATS, type InputFormat } from '../sources/source-record.js';
import { DEFAULT_BATCH_LIMITS } from '../write/batch.js';
import { STRATEGY_NAMES, type StrategyName } from '../write/strategy.js';
import { ingestListeners, printSummary } from './ingest-output.js';
import { addMetricsListenOption, type MetricsFlags, MetricsOutput } from './metrics-output.js';
import { checked, choiceOption, integerOption } from './option-parsers.js';
import { warn } from './output.js';
import { refuseOutputsThatAreInputs } from '../output-file.js';
import { createProgressDisplay } from './progress-display.js';
import { onInterrupt, onShutdown } from './shutdown.js';

interface IngestFlags extends MetricsFlags {
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
    .option(
      '--concurrency <batches>',
      `batches written at once, at most the pool size (env OPTDB_WRITE_CONCURRENCY, default ${DEFAULT_WRITE_CONCURRENCY})`,
      integerOption(1, 1_000),
    )
    .option('--rejects <file>', 'write rejected rows with their reasons to this NDJSON file')
    .option(
      '--max-rejects <n|pct>',
      'stop when more rows than this (e.g. 100, or 5%) are rejected',
      checked(parseMaxRejects, 'a count or a percentage such as 5%'),
    )
    .option(
      '--captured-at <iso>',
      'capture time for every snapshot row (default: newest timestamp in the row)',
      checked(isoToMicros, 'an ISO-8601 time with zone, e.g. 2025-11-20T20:00:00Z'),
    )
    .option(
      '--resolution <step>',
      `truncate capture times to this step: 1s, 1m, 5m, 1h, 1d (default ${DEFAULT_RESOLUTION} for derived times; a --captured-at is kept as given unless this is set)`,
      checked(parseResolution, 'a step such as 1m, 5m or 1d'),
    )
    .option('--import-id <id>', 'record the (single) input under this identity for resuming (default: path, size and hash of its first MB)')
    .option('--dry-run', 'parse and validate only; write nothing (no database needed)')
    .option('--json', 'print the summary as JSON')
    .option(
      '--metrics-file <path>',
      'write Prometheus metrics (rows, batch latency, gate, retries and errors by SQLSTATE) here when the ingest ends',
    );
  addMetricsListenOption(command)
    .option('--no-analyze', 'do not ANALYZE the tables this ingest changed by more than 20 % (and ≥ 1,000 rows) at the end')
    .option('--no-progress', 'no progress bar or progress lines')
    .action(async (paths: string[], flags: IngestFlags) => {
      // The jobs check --rejects themselves; the metrics file is the CLI's own output.
      await refuseOutputsThatAreInputs(paths, { '--metrics-file': flags.metricsFile });
      try {
        printSummary(await run(paths, flags, config), flags);
      } catch (error) {
        // A stop is reported with what was done until then; the error itself follows on stderr.
        if (error instanceof IngestStopped) printSummary(error.summary, flags);
        throw error;
      }
    });
}

async function run(paths: string[], flags: IngestFlags, config: () => Config): Promise<IngestSummary> {
  const metricsOutput = new MetricsOutput(flags);
  const display = createProgressDisplay(flags.progress && !flags.json);
  const { onProgress, ...listeners } = ingestListeners(display);
  const options: CheckFilesOptions = {
    format: flags.format,
    batchSize: flags.batchSize,
    rejects: flags.rejects,
    maxRejects: flags.maxRejects,
    capturedAtMicros: flags.capturedAt,
    resolutionMicros: flags.resolution,
    importId: flags.importId,
    onProgress,
    metrics: metricsOutput.metrics,
  };
  // Metrics are served and written once the ingest has begun: one that could not start
  // (no database, an unmigrated schema) leaves an earlier metrics file as it was.
  let begun = false;
  const begin = async () => {
    begun = true;
    await metricsOutput.listen();
  };
  try {
    if (!flags.dryRun) {
      return await ingestUntilInterrupted(config(), paths, flags, { ...options, ...listeners, onDatabase: begin });
    }
    await begin();
    return await checkFiles(paths, options);
  } finally {
    display.stop();
    // Also after a failure: the retries and errors that led to it are in the metrics.
    if (begun) await metricsOutput.writeFile();
    await metricsOutput.close();
  }
}

async function ingestUntilInterrupted(
  config: Config,
  paths: string[],
  flags: IngestFlags,
  options: IngestFilesOptions,
): Promise<IngestSummary> {
  // Ctrl-C: stop reading; the batches under way commit (with their ledger rows), the
  // summary is printed and a server this command started is stopped before the exit.
  const interrupt = new AbortController();
  let summarySoFar: (() => IngestSummary) | undefined;
  // The writes under way did not finish in time: the summary of what is committed is
  // still printed before the exit.
  const giveUp = () => {
    if (summarySoFar)
      printSummary(
        {
          ...summarySoFar(),
          stopped: `the batches under way did not finish within ${config.stopGraceMs / 1000} s of the signal (OPTDB_STOP_GRACE_MS)`,
        },
        flags,
      );
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
    return await ingestFiles(config, paths, {
      ...options,
      strategy: flags.strategy,
      concurrency: flags.concurrency,
      analyze: flags.analyze,
      signal: interrupt.signal,
      registerCleanup: onShutdown,
      onStarted: (read) => (summarySoFar = read),
    });
  } finally {
    unregister();
  }
}

function parseMaxRejects(text: string): MaxRejects | undefined {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (!match) return undefined;
  if (match[2]) return Number(match[1]) <= 100 ? { percent: Number(match[1]) } : undefined;
  return Number.isInteger(Number(match[1])) ? { count: Number(match[1]) } : undefined;
}
