/**
 * `optdb poll`: option-chain snapshots from the Polygon (Massive) API into PostgreSQL,
 * once or every few minutes. One line per cycle on stdout (or one JSON object with
 * --json); retries, 429s, limit changes, repeated cursors and skipped underlyings on
 * stderr.
 *
 * Exit codes: 0 — every cycle polled every underlying (or, with --once --market-hours, the
 * market was closed); 1 — an error stopped the poll (no key, a key or plan the API
 * refuses, the database), or with --once any underlying failed (the others are stored:
 * a cron job learns of a ticker that no longer answers); 2 — a bad flag; 130 — Ctrl-C
 * (the cycle under way stops fetching, writes what it fetched and prints its line first).
 * Without --once a failed underlying is warned about and polled again next cycle.
 */
import { type Command, Option } from 'commander';
import { PolygonClient } from '../api/polygon-client.js';
import { type Config, requireConcurrencyWithinPool } from '../config.js';
import type { DatabaseTarget } from '../db/database.js';
import { openConnections } from '../db/pool.js';
import { requireMigratedSchema } from '../db/schema-check.js';
import { isoToMicros, parseResolution } from '../domain/timestamp.js';
import { OptdbError } from '../errors.js';
import { RejectSink } from '../ingest/rejects.js';
import { watchLimitFile } from '../poll/limit-file.js';
import { pollWriteBuffer } from '../poll/poll-buffer.js';
import type { CycleResult } from '../poll/poll-cycle.js';
import { isRegularTradingHours } from '../poll/market-hours.js';
import { nextCycleAt, parseEvery } from '../poll/poll-schedule.js';
import { poll, type PollSummary } from '../poll/poller.js';
import { resolveUnderlyings } from '../poll/watchlist.js';
import { DEFAULT_BATCH_LIMITS } from '../write/batch.js';
import { createStrategyChain } from '../write/create-strategy.js';
import { retryLimitsFrom } from '../write/resilient-writer.js';
import { limitStepsFrom } from '../write/write-gate.js';
import { describeApiEvent } from './api-event-text.js';
import { type ApiFlags, addApiOptions, clientOptions } from './api-options.js';
import { describeEvent } from './ingest.js';
import { addMetricsListenOption, type MetricsFlags, MetricsOutput } from './metrics-output.js';
import { checked, integerOption, underlyingsOption } from './option-parsers.js';
import { say, warn } from './output.js';
import { onInterrupt, onShutdown } from './shutdown.js';
import { withDatabase } from './with-database.js';

interface PollFlags extends ApiFlags, MetricsFlags {
  underlyings?: string[];
  watchlist?: string;
  every?: string;
  once?: boolean;
  marketHours?: boolean;
  resolution?: bigint;
  underlyingConcurrency: number;
  rejects?: string;
  json?: boolean;
  limitFile?: string;
  capturedAt?: bigint;
}

const DEFAULT_EVERY = '5m';
const ONCE_RESOLUTION = '1m';
// Rows fetched and not yet durable before fetchers wait (the write buffer's bound): about
// 80 pages of 250.
const MAX_PENDING_ROWS = 20_000;
// Pages arrive a few at a time: waiting a little longer than ingest does for a batch to
// fill gathers several underlyings' pages into one statement.
const BATCH_DELAY_MS = 100;

export function registerPoll(program: Command, config: () => Config): void {
  const command = program
    .command('poll')
    .description('poll option-chain snapshots from the Polygon (Massive) API into PostgreSQL (key: POLYGON_API_KEY)')
    .option('--underlyings <list>', 'underlyings to poll: AAPL,SPY,I:SPX (repeatable)', underlyingsOption)
    .option('--watchlist <file>', 'a file of underlyings, one or more per line, # comments')
    .option('--every <step>', `time between cycles, cycles on its wall-clock multiples: 30s, 5m, 1h (default ${DEFAULT_EVERY})`, checked(everyText, 'a step from 1s to 1d such as 30s, 5m or 1h'))
    .option('--once', 'run one cycle now and exit')
    .option('--market-hours', 'poll only during US regular trading hours (09:30–16:00 New York, exchange holidays, 13:00 early closes)')
    .option('--resolution <step>', `captured_at is the cycle time truncated to this step (default: --every; ${ONCE_RESOLUTION} for --once without --every)`, checked(parseResolution, 'a step such as 1m, 5m or 1d'))
    .option('--underlying-concurrency <n>', 'underlyings fetched at once (their requests share --rate and --request-concurrency)', integerOption(1, 1_000), 16);
  addApiOptions(command)
    .option('--rejects <file>', 'write rejected results with their reasons to this NDJSON file')
    .option('--json', 'print one JSON object per cycle')
    .option('--metrics-file <path>', 'write Prometheus metrics (API requests, 429s, retries, rows, batches) here after every cycle');
  addMetricsListenOption(command)
    .option(
      '--limit-file <path>',
      'a file holding the number of batches written at once: edit it while the poll runs to change that limit, applied in steps (OPTDB_LIMIT_STEP_FRACTION per OPTDB_LIMIT_STEP_INTERVAL_MS)',
    )
    // A cycle's time for --once, so that a rerun hits the same rows (tests, repairs).
    .addOption(new Option('--captured-at <iso>').argParser(checked(isoToMicros, 'an ISO-8601 time with zone')).hideHelp())
    .action(async (flags: PollFlags) => {
      const summary = await run(config, flags);
      if (flags.once && summary.failedUnderlyings > 0) process.exitCode = 1;
    });
}

async function run(config: () => Config, flags: PollFlags): Promise<PollSummary> {
  const underlyings = await resolveUnderlyings({ underlyings: flags.underlyings ?? [], watchlist: flags.watchlist });
  if (flags.capturedAt !== undefined && !flags.once) throw new OptdbError('CONFIG_INVALID', '--captured-at goes with --once: a repeating poll takes its cycle times from the clock.');
  const everyMs = parseEvery(flags.every ?? DEFAULT_EVERY);
  const resolution = flags.resolution ?? parseResolution(flags.every ?? (flags.once ? ONCE_RESOLUTION : DEFAULT_EVERY))!;
  const cfg = config();
  requireConcurrencyWithinPool(cfg.writeConcurrency, cfg);
  const metricsOutput = new MetricsOutput(flags);
  const { metrics } = metricsOutput;
  let throttledShown = false;
  // Made before the database is opened: a missing key fails at once, with its remedy.
  const client = new PolygonClient(
    clientOptions(flags, (event) => {
      metrics?.recordApiEvent(event);
      if (event.kind === 'throttled' && throttledShown) return; // one line per cycle; the cycle line counts them
      if (event.kind === 'throttled') throttledShown = true;
      const text = describeApiEvent(event);
      if (text !== undefined) warn(`optdb: ${text}`);
    }),
  );
  const context: PollContext = { flags, underlyings, everyMs, resolution, metricsOutput, client, cycleEnded: () => (throttledShown = false) };
  try {
    await metricsOutput.listen();
    if (flags.once && flags.marketHours && flags.capturedAt === undefined && !isRegularTradingHours(new Date())) {
      // Checked before the database is opened: a cron job polling every few minutes starts no server overnight.
      warn(`optdb: market closed; nothing polled (the next session opens ${shortIso(nextCycleAt(new Date(), { everyMs, marketHours: true }))})`);
      return { cycles: 0, failedUnderlyings: 0, marketClosed: true };
    }
    return await withDatabase(cfg, (target) => pollInto(target, cfg, context));
  } finally {
    client.close();
    await metricsOutput.close();
  }
}

interface PollContext {
  readonly flags: PollFlags;
  readonly underlyings: readonly string[];
  readonly everyMs: number;
  readonly resolution: bigint;
  readonly metricsOutput: MetricsOutput;
  readonly client: PolygonClient;
  readonly cycleEnded: () => void;
}

async function pollInto(target: DatabaseTarget, config: Config, context: PollContext): Promise<PollSummary> {
  const { flags, metricsOutput } = context;
  const { metrics } = metricsOutput;
  await requireMigratedSchema(target.directUrl);
  const { pool, prisma, close } = openConnections(target.url, config);
  const unregisterClose = onShutdown(close);
  // Ctrl-C: the cycle under way stops fetching; the command ends (its writes done, its
  // line printed) before the cleanups close the pool.
  const interrupt = new AbortController();
  const unregisterInterrupt = onInterrupt(async () => {
    warn('optdb: stopping: a cycle under way stops fetching and writes what it fetched');
    interrupt.abort(new Error('interrupted'));
  }, config.stopGraceMs);
  const rejects = new RejectSink(flags.rejects);
  const { strategy, fallbacks } = createStrategyChain('copy', pool, prisma);
  const buffer = pollWriteBuffer(strategy, context.resolution, {
    fallbacks,
    retry: retryLimitsFrom(config),
    onEvent: (event) => warn(`optdb: ${describeEvent(event)}`),
    metrics,
    limitSteps: limitStepsFrom(config),
    concurrency: config.writeConcurrency,
    maxBatchRows: DEFAULT_BATCH_LIMITS.maxRows,
    maxDelayMs: BATCH_DELAY_MS,
    maxPendingRows: MAX_PENDING_ROWS,
  });
  const stopWatchingLimit = flags.limitFile
    ? watchLimitFile(flags.limitFile, { starting: config.writeConcurrency, max: config.poolSize }, {
        onLimit: (limit) => {
          warn(`optdb: ${flags.limitFile} asks for ${limit} batches written at once`);
          buffer.setConcurrency(limit);
        },
        onProblem: (problem) => warn(`optdb: ${problem}; the write limit stays as it is`),
      })
    : undefined;
  let firstReject: string | undefined;
  try {
    return await poll({
      client: context.client,
      buffer,
      underlyings: context.underlyings,
      once: flags.once ?? false,
      everyMs: context.everyMs,
      marketHours: flags.marketHours ?? false,
      resolutionMicros: context.resolution,
      at: flags.capturedAt === undefined ? undefined : new Date(Number(flags.capturedAt / 1000n)),
      underlyingConcurrency: flags.underlyingConcurrency,
      signal: interrupt.signal,
      onReject: async (reject) => {
        firstReject ??= `${reject.underlying} result ${reject.position}: ${reject.reason}`;
        await rejects.write({ source: reject.underlying, location: reject.position, raw: reject.raw, reason: reject.reason });
      },
      onFailed: (failure) => warn(`optdb: skipped ${failure.underlying} this cycle: ${failure.reason}`),
      onWait: (next, reason) => {
        const every = flags.every ?? DEFAULT_EVERY;
        if (reason === 'first') warn(`optdb: polling ${context.underlyings.join(', ')} every ${every}; first cycle at ${shortIso(next)}`);
        else if (reason === 'market-closed') warn(`optdb: market closed, next cycle at ${shortIso(next)}`);
        else if (reason === 'overrun') warn(`optdb: the last cycle took longer than --every ${every}: the cycles it ran into are skipped; next at ${shortIso(next)}`);
      },
      onCycle: async (result) => {
        say(flags.json ? JSON.stringify(result) : cycleLine(result));
        if (result.rejected > 0 && !flags.rejects) warn(`optdb: ${result.rejected} rejected, e.g. ${firstReject}; pass --rejects <file> to keep them with their reasons`);
        firstReject = undefined;
        context.cycleEnded();
        metrics?.recordPollCycle(result);
        await metricsOutput.writeFile();
      },
    });
  } finally {
    stopWatchingLimit?.();
    // Also when an error stopped the poll: the retries and failures that led to it are in the metrics.
    await metricsOutput.writeFile().catch(() => undefined);
    await buffer.close();
    unregisterInterrupt();
    unregisterClose();
    await rejects.close();
    await close();
  }
}

/** `2026-11-28T15:05:00Z  3 underlyings  1,234 contracts  1,234 rows written  0 rejected  9 requests (0 retries, 0 × 429)  2.3 s` */
export function cycleLine(result: CycleResult): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const of = (value: number, noun: string) => `${n(value)} ${noun}${value === 1 ? '' : 's'}`;
  const failed = result.failed.length > 0 ? ` (${result.failed.length} failed)` : '';
  return [
    shortIso(result.capturedAt),
    `${of(result.underlyings, 'underlying')}${failed}`,
    of(result.contracts, 'contract'),
    `${of(result.rowsWritten, 'row')} written`,
    `${n(result.rejected)} rejected`,
    `${of(result.requests, 'request')} (${n(result.retries)} ${result.retries === 1 ? 'retry' : 'retries'}, ${n(result.throttled)} × 429)`,
    `${(result.durationMs / 1000).toFixed(1)} s`,
    ...(result.interrupted ? ['interrupted'] : []),
  ].join('  ');
}

/** An instant without a zero fraction: 2026-11-28T15:05:00Z. */
function shortIso(at: Date | string): string {
  return (typeof at === 'string' ? at : at.toISOString()).replace(/\.0+Z$/, 'Z');
}

/** `--every`, checked here so that a bad step is a usage error; kept as text for the resolution. */
function everyText(text: string): string | undefined {
  try {
    parseEvery(text);
    return text.trim();
  } catch (error) {
    if (error instanceof OptdbError) return undefined;
    throw error;
  }
}
