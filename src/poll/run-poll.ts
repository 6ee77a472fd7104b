/**
 * The poll job: option-chain snapshots from the market-data API into the configured
 * database, once or every few minutes, as `optdb poll` runs it. It resolves the
 * underlyings, makes the API client (a missing key fails before anything starts), opens
 * the database (the embedded server when there is no DATABASE_URL), one pool and the
 * Prisma client over it, and one write buffer for the whole poll; it closes all of it
 * however the poll ends.
 *
 * With `once` and `marketHours` outside trading hours nothing is polled and the database
 * is not opened: a cron job polling every few minutes starts no server overnight.
 */
import type { PolygonClientOptions } from '../api/client-options.js';
import { PolygonClient } from '../api/polygon-client.js';
import { type Config, requireConcurrencyWithinPool } from '../config.js';
import { type DatabaseHooks, type DatabaseTarget, withDatabase } from '../db/database.js';
import { openConnections } from '../db/pool.js';
import { requireMigratedSchema } from '../db/schema-check.js';
import { parseResolution } from '../domain/timestamp.js';
import { OptdbError } from '../errors.js';
import { RejectSink } from '../ingest/rejects.js';
import type { OptdbMetrics } from '../metrics/optdb-metrics.js';
import { retryLimitsFrom } from '../retry-limits.js';
import { DEFAULT_BATCH_LIMITS } from '../write/batch.js';
import { createStrategyChain } from '../write/create-strategy.js';
import { pollWriteBuffer } from '../write/snapshot-buffer.js';
import { limitStepsFrom } from '../write/write-gate.js';
import type { WriteEvent } from '../write/writer.js';
import { watchLimitFile } from './limit-file.js';
import { isRegularTradingHours } from './market-hours.js';
import type { CycleReject, CycleResult, FailedUnderlying } from './poll-cycle.js';
import { nextCycleAt, parseEvery } from './poll-schedule.js';
import { poll, type PollSummary, type WaitReason } from './poller.js';

export const POLL_DEFAULTS = {
  /** Time between cycles; cycles run on its wall-clock multiples. */
  every: '5m',
  /** captured_at step of a single cycle when no `every` is given. */
  onceResolution: '1m',
  /** Underlyings fetched at once. */
  underlyingConcurrency: 16,
} as const;

// Rows fetched and not yet durable before fetchers wait (the write buffer's bound): about
// 80 pages of 250.
const MAX_PENDING_ROWS = 20_000;
// Pages arrive a few at a time: waiting a little longer than ingest does for a batch to
// fill gathers several underlyings' pages into one statement.
const BATCH_DELAY_MS = 100;

export interface RunPollOptions extends DatabaseHooks {
  /** What to poll, checked and without duplicates: what resolveUnderlyings gives for a list and/or a watchlist file. */
  readonly underlyings: readonly string[];
  /** The API client's settings (key, base URL, rate, timeouts); its `onEvent` sees every request, retry and 429. */
  readonly api?: PolygonClientOptions | undefined;
  /** One cycle, now (or at `at`), then stop. */
  readonly once?: boolean | undefined;
  /** Time between cycles: 30s, 5m, 1h (default POLL_DEFAULTS.every). */
  readonly every?: string | undefined;
  /** Poll only during US regular trading hours. */
  readonly marketHours?: boolean | undefined;
  /** captured_at is the cycle time truncated to this step (µs); default `every`, or POLL_DEFAULTS.onceResolution with `once` alone. */
  readonly resolutionMicros?: bigint | undefined;
  /** Underlyings fetched at once (default POLL_DEFAULTS.underlyingConcurrency); their requests share the client's rate and concurrency. */
  readonly underlyingConcurrency?: number | undefined;
  /** With `once`: the cycle's time instead of now, so that a rerun hits the same rows. */
  readonly at?: Date | undefined;
  /** Rejected results, with their reasons, go to this NDJSON file. */
  readonly rejects?: string | undefined;
  /** A file holding the number of batches written at once, read while the poll runs; a change is applied in steps. */
  readonly limitFile?: string | undefined;
  /** API requests, 429s, retries, rows, batches and cycles are counted here. */
  readonly metrics?: OptdbMetrics | undefined;
  /** Stops the poll: the cycle under way stops fetching, writes what it fetched and is reported first. */
  readonly signal?: AbortSignal | undefined;
  /** Called, and awaited, once the options are checked and the API client made, before the poll looks at the market or opens the database. */
  readonly onStart?: (() => Promise<void> | void) | undefined;
  /** Retries, splits, fallbacks, limit changes, queue pressure and slow writes, as they happen. */
  readonly onWriteEvent?: ((event: WriteEvent) => void) | undefined;
  /** A result rejected (invalid, or refused by the database), before it is written to `rejects`. */
  readonly onReject?: ((reject: CycleReject) => void) | undefined;
  /** An underlying given up on for this cycle (polled again the next). */
  readonly onFailed?: ((failure: FailedUnderlying) => void) | undefined;
  /** Before every wait, with when the next cycle is and why then ('market-closed' also when `once` polls nothing). */
  readonly onWait?: ((next: Date, reason: WaitReason) => void) | undefined;
  /** After every cycle, before the poll waits for the next. */
  readonly onCycle?: ((result: CycleResult) => Promise<void> | void) | undefined;
  /** `limitFile` asks for a new limit. */
  readonly onLimitRequest?: ((limit: number) => void) | undefined;
  /** `limitFile` says something that is not a limit; the limit stays as it is. */
  readonly onLimitFileProblem?: ((problem: string) => void) | undefined;
}

export async function runPoll(config: Config, options: RunPollOptions): Promise<PollSummary> {
  const { underlyings } = options;
  if (options.at !== undefined && !options.once)
    throw new OptdbError('CONFIG_INVALID', '--captured-at goes with --once: a repeating poll takes its cycle times from the clock.');
  const every = options.every ?? POLL_DEFAULTS.every;
  const everyMs = parseEvery(every);
  const resolutionMicros =
    options.resolutionMicros ?? parseResolution(options.every ?? (options.once ? POLL_DEFAULTS.onceResolution : POLL_DEFAULTS.every))!;
  requireConcurrencyWithinPool(config.writeConcurrency, config);
  const { metrics } = options;
  // Made before the database is opened: a missing key fails at once, with its remedy.
  const client = new PolygonClient({
    ...options.api,
    onEvent: (event) => {
      metrics?.recordApiEvent(event);
      options.api?.onEvent?.(event);
    },
  });
  try {
    await options.onStart?.();
    const now = new Date();
    if (options.once && options.marketHours && options.at === undefined && !isRegularTradingHours(now)) {
      options.onWait?.(nextCycleAt(now, { everyMs, marketHours: true }), 'market-closed');
      return { cycles: 0, failedUnderlyings: 0, marketClosed: true };
    }
    return await withDatabase(
      config,
      async (database) => {
        await requireMigratedSchema(database.directUrl);
        return pollInto(database, config, options, { underlyings, everyMs, resolutionMicros, client });
      },
      options,
    );
  } finally {
    client.close();
  }
}

interface PollSettings {
  readonly underlyings: readonly string[];
  readonly everyMs: number;
  readonly resolutionMicros: bigint;
  readonly client: PolygonClient;
}

async function pollInto(database: DatabaseTarget, config: Config, options: RunPollOptions, settings: PollSettings): Promise<PollSummary> {
  const { metrics } = options;
  const { pool, prisma, close } = openConnections(database.url, config);
  const unregister = options.registerCleanup?.(close);
  const rejects = new RejectSink(options.rejects);
  const { strategy, fallbacks } = createStrategyChain('copy', pool, prisma);
  const buffer = pollWriteBuffer(strategy, settings.resolutionMicros, {
    fallbacks,
    retry: retryLimitsFrom(config),
    onEvent: options.onWriteEvent,
    metrics,
    limitSteps: limitStepsFrom(config),
    concurrency: config.writeConcurrency,
    maxBatchRows: DEFAULT_BATCH_LIMITS.maxRows,
    maxDelayMs: BATCH_DELAY_MS,
    maxPendingRows: MAX_PENDING_ROWS,
  });
  const stopWatchingLimit = options.limitFile
    ? watchLimitFile(
        options.limitFile,
        { starting: config.writeConcurrency, max: config.poolSize },
        {
          onLimit: (limit) => {
            options.onLimitRequest?.(limit);
            buffer.setConcurrency(limit);
          },
          onProblem: (problem) => options.onLimitFileProblem?.(problem),
        },
      )
    : undefined;
  try {
    await options.onDatabase?.(database);
    return await poll({
      client: settings.client,
      buffer,
      underlyings: settings.underlyings,
      once: options.once ?? false,
      everyMs: settings.everyMs,
      marketHours: options.marketHours ?? false,
      resolutionMicros: settings.resolutionMicros,
      at: options.at,
      underlyingConcurrency: options.underlyingConcurrency ?? POLL_DEFAULTS.underlyingConcurrency,
      signal: options.signal,
      onReject: async (reject) => {
        options.onReject?.(reject);
        await rejects.write({ source: reject.underlying, location: reject.position, raw: reject.raw, reason: reject.reason });
      },
      onFailed: options.onFailed,
      onWait: options.onWait,
      onCycle: async (result) => {
        metrics?.recordPollCycle(result);
        await options.onCycle?.(result);
      },
    });
  } finally {
    stopWatchingLimit?.();
    await buffer.close();
    unregister?.();
    await rejects.close();
    await close();
  }
}
