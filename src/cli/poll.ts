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
import type { Config } from '../config.js';
import { isoToMicros, parseResolution } from '../domain/timestamp.js';
import { OptdbError } from '../errors.js';
import type { CycleResult } from '../poll/poll-cycle.js';
import { parseEvery } from '../poll/poll-schedule.js';
import type { PollSummary } from '../poll/poller.js';
import { POLL_DEFAULTS, runPoll } from '../poll/run-poll.js';
import { resolveUnderlyings } from '../poll/watchlist.js';
import { describeApiEvent } from './api-event-text.js';
import { type ApiFlags, addApiOptions, clientOptions } from './api-options.js';
import { addMetricsListenOption, type MetricsFlags, MetricsOutput } from './metrics-output.js';
import { checked, integerOption, underlyingsOption } from './option-parsers.js';
import { say, warn } from './output.js';
import { onInterrupt, onShutdown } from './shutdown.js';
import { describeWriteEvent } from './write-event-text.js';

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

export function registerPoll(program: Command, config: () => Config): void {
  const command = program
    .command('poll')
    .description('poll option-chain snapshots from the Polygon (Massive) API into PostgreSQL (key: POLYGON_API_KEY)')
    .option('--underlyings <list>', 'underlyings to poll: AAPL,SPY,I:SPX (repeatable)', underlyingsOption)
    .option('--watchlist <file>', 'a file of underlyings, one or more per line, # comments')
    .option(
      '--every <step>',
      `time between cycles, cycles on its wall-clock multiples: 30s, 5m, 1h (default ${POLL_DEFAULTS.every})`,
      checked(everyText, 'a step from 1s to 1d such as 30s, 5m or 1h'),
    )
    .option('--once', 'run one cycle now and exit')
    .option('--market-hours', 'poll only during US regular trading hours (09:30–16:00 New York, exchange holidays, 13:00 early closes)')
    .option(
      '--resolution <step>',
      `captured_at is the cycle time truncated to this step (default: --every; ${POLL_DEFAULTS.onceResolution} for --once without --every)`,
      checked(parseResolution, 'a step such as 1m, 5m or 1d'),
    )
    .option(
      '--underlying-concurrency <n>',
      'underlyings fetched at once (their requests share --rate and --request-concurrency)',
      integerOption(1, 1_000),
      POLL_DEFAULTS.underlyingConcurrency,
    );
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
      const summary = await run(config(), flags);
      if (flags.once && summary.failedUnderlyings > 0) process.exitCode = 1;
    });
}

async function run(config: Config, flags: PollFlags): Promise<PollSummary> {
  const underlyings = await resolveUnderlyings({ underlyings: flags.underlyings ?? [], watchlist: flags.watchlist });
  const metricsOutput = new MetricsOutput(flags);
  const every = flags.every ?? POLL_DEFAULTS.every;
  let throttledShown = false;
  let firstReject: string | undefined;
  // Ctrl-C, once the poll has its database: the cycle under way stops fetching; the
  // command ends (its writes done, its line printed) before the cleanups close the pool.
  const interrupt = new AbortController();
  let unregisterInterrupt: (() => void) | undefined;
  let polling = false;
  try {
    return await runPoll(config, {
      underlyings,
      once: flags.once,
      every: flags.every,
      marketHours: flags.marketHours,
      resolutionMicros: flags.resolution,
      underlyingConcurrency: flags.underlyingConcurrency,
      at: flags.capturedAt === undefined ? undefined : new Date(Number(flags.capturedAt / 1000n)),
      rejects: flags.rejects,
      limitFile: flags.limitFile,
      metrics: metricsOutput.metrics,
      api: clientOptions(flags, (event) => {
        if (event.kind === 'throttled' && throttledShown) return; // one line per cycle; the cycle line counts them
        if (event.kind === 'throttled') throttledShown = true;
        const text = describeApiEvent(event);
        if (text !== undefined) warn(`optdb: ${text}`);
      }),
      signal: interrupt.signal,
      registerCleanup: onShutdown,
      onStart: () => metricsOutput.listen(),
      onDatabase: () => {
        polling = true;
        unregisterInterrupt = onInterrupt(async () => {
          warn('optdb: stopping: a cycle under way stops fetching and writes what it fetched');
          interrupt.abort(new Error('interrupted'));
        }, config.stopGraceMs);
      },
      onWriteEvent: (event) => warn(`optdb: ${describeWriteEvent(event)}`),
      onLimitRequest: (limit) => warn(`optdb: ${flags.limitFile} asks for ${limit} batches written at once`),
      onLimitFileProblem: (problem) => warn(`optdb: ${problem}; the write limit stays as it is`),
      onReject: (reject) => {
        firstReject ??= `${reject.underlying} result ${reject.position}: ${reject.reason}`;
      },
      onFailed: (failure) => warn(`optdb: skipped ${failure.underlying} this cycle: ${failure.reason}`),
      onWait: (next, reason) => {
        if (reason === 'market-closed' && flags.once)
          warn(`optdb: market closed; nothing polled (the next session opens ${shortIso(next)})`);
        else if (reason === 'first') warn(`optdb: polling ${underlyings.join(', ')} every ${every}; first cycle at ${shortIso(next)}`);
        else if (reason === 'market-closed') warn(`optdb: market closed, next cycle at ${shortIso(next)}`);
        else if (reason === 'overrun')
          warn(`optdb: the last cycle took longer than --every ${every}: the cycles it ran into are skipped; next at ${shortIso(next)}`);
      },
      onCycle: async (result) => {
        say(flags.json ? JSON.stringify(result) : cycleLine(result));
        if (result.rejected > 0 && !flags.rejects)
          warn(`optdb: ${result.rejected} rejected, e.g. ${firstReject}; pass --rejects <file> to keep them with their reasons`);
        firstReject = undefined;
        throttledShown = false;
        await metricsOutput.writeFile();
      },
    });
  } finally {
    unregisterInterrupt?.();
    // Also when an error stopped the poll: the retries and failures that led to it are in the metrics.
    if (polling) await metricsOutput.writeFile().catch(() => undefined);
    await metricsOutput.close();
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
