/**
 * One poll cycle: the option chain of every underlying fetched — a bounded number of
 * underlyings in flight, the client pacing the requests — and every page handed whole to
 * the poll's one write buffer, which writes rows of all underlyings together in batches.
 *
 *   underlyings ──► p-queue (≤ underlyingConcurrency) ──► client pages ──► write buffer ──► batches
 *
 * A fetcher hands a whole page over, then waits for the buffer's room (its
 * `maxPendingRows`) before it asks the API for the next: however slow the database,
 * memory holds at most that many rows plus one page per fetcher.
 *
 * An underlying that fails (404, retries exhausted) is reported and the others go on. A
 * 401/403 stops the cycle at once: the key or the plan is wrong for every underlying.
 * Cancelling `signal` (Ctrl-C) stops the fetching; what was fetched is still written, and
 * the cycle returns marked interrupted. The cycle returns only once every row handed to
 * the buffer is durable or rejected.
 */
import PQueue from 'p-queue';
import { failsEveryRequest } from '../api/api-errors.js';
import { countersSince } from '../api/api-events.js';
import { PolygonApiError, type PolygonClient } from '../api/polygon-client.js';
import { isJsonObject, type JsonValue } from '../domain/json-value.js';
import { OptdbError } from '../errors.js';
import { microsToIso, truncateMicros } from '../domain/timestamp.js';
import { jsonText } from '../sources/records.js';
import { StopSignal } from '../stop-signal.js';
import type { PollBuffer } from '../write/snapshot-buffer.js';

export interface CycleOptions {
  readonly client: PolygonClient;
  readonly buffer: PollBuffer;
  readonly resolutionMicros: bigint;
  /** Underlyings fetched at once (their requests still share the client's rate and concurrency). */
  readonly underlyingConcurrency: number;
  /** Ctrl-C: stop fetching, write what was fetched. */
  readonly signal?: AbortSignal | undefined;
  /** A row the buffer rejected (invalid, or refused by the database), with the reason. */
  readonly onReject?: (reject: CycleReject) => Promise<void> | void;
  /** An underlying given up on for this cycle. */
  readonly onFailed?: (failure: FailedUnderlying) => void;
}

export interface CycleReject {
  readonly underlying: string;
  /** The result's number in its chain, from 1. */
  readonly position: number;
  /** The result as the API sent it (JSON text). */
  readonly raw: string;
  readonly reason: string;
}

export interface FailedUnderlying {
  readonly underlying: string;
  readonly reason: string;
}

export interface CycleResult {
  /** The cycle's scheduled time (ISO). */
  readonly at: string;
  /** captured_at of every row of the cycle (ISO): `at` truncated to the resolution. */
  readonly capturedAt: string;
  readonly underlyings: number;
  readonly failed: readonly FailedUnderlying[];
  /** Distinct contracts stored. */
  readonly contracts: number;
  readonly rowsWritten: number;
  readonly rejected: number;
  /** HTTP requests of this cycle, retries included (differences of the client's counters). */
  readonly requests: number;
  /** Of those, answered with 429. */
  readonly throttled: number;
  readonly retries: number;
  readonly durationMs: number;
  /** Ctrl-C stopped the fetching: some chains may be partial. */
  readonly interrupted: boolean;
}

export async function runCycle(at: Date, underlyings: readonly string[], options: CycleOptions): Promise<CycleResult> {
  const { client, buffer } = options;
  const started = performance.now();
  const before = client.counters;
  const capturedAtMicros = BigInt(at.getTime()) * 1000n;
  // Aborted on Ctrl-C, and by the cycle itself when it must stop (bad key, database failure).
  const stop = new StopSignal(options.signal);
  const { signal } = stop;
  // One promise per page handed over: settled when each of its rows is stored or rejected (and reported).
  const handed: Promise<unknown>[] = [];
  const tickers = new Set<string>();
  const failed: FailedUnderlying[] = [];
  const forbidden: PolygonApiError[] = [];
  let written = 0;
  let rejected = 0;
  let fatal: unknown;

  const giveUp = (error: unknown) => {
    fatal ??= error;
    stop.stop(new Error('the poll cycle stopped'));
  };

  const hand = (underlying: string, results: readonly JsonValue[], first: number) => {
    const writes = results.map((result, index) =>
      buffer.write({ result, capturedAtMicros }).then(
        (outcome) => {
          if (outcome === 'written') written++;
          const ticker = tickerOf(result);
          if (ticker !== undefined) tickers.add(ticker);
        },
        async (error: unknown) => {
          if (!(error instanceof OptdbError && error.code === 'ROW_REJECTED')) return giveUp(error);
          rejected++;
          await options.onReject?.({ underlying, position: first + index, raw: jsonText(result), reason: error.message });
        },
      ),
    );
    handed.push(Promise.allSettled(writes));
  };

  const fetchChain = async (underlying: string) => {
    if (signal.aborted) return;
    let position = 1;
    try {
      for await (const page of client.chainSnapshot(underlying, {}, { signal })) {
        hand(underlying, page.results, position);
        position += page.results.length;
        await buffer.room();
        if (signal.aborted) return;
      }
    } catch (error) {
      // A 403 may concern this underlying only (an index the plan does not cover): it is
      // skipped like a 404; a cycle in which every underlying met one stops the poll.
      if (error instanceof PolygonApiError && error.failure === 'forbidden') forbidden.push(error);
      else if (failsEveryRequest(error)) return giveUp(error);
      if (!(error instanceof PolygonApiError) && signal.aborted) return; // stopped, not failed
      const failure = { underlying, reason: error instanceof Error ? error.message : String(error) };
      failed.push(failure);
      options.onFailed?.(failure);
    }
  };

  const queue = new PQueue({ concurrency: options.underlyingConcurrency });
  try {
    await Promise.all(underlyings.map((underlying) => queue.add(() => fetchChain(underlying))));
  } finally {
    stop.release();
  }
  await buffer.flush();
  await Promise.all(handed);
  if (fatal !== undefined) throw fatal;
  if (forbidden.length > 0 && forbidden.length === underlyings.length) throw forbidden[0];

  return {
    at: at.toISOString(),
    capturedAt: microsToIso(truncateMicros(capturedAtMicros, options.resolutionMicros)),
    underlyings: underlyings.length,
    failed,
    contracts: tickers.size,
    rowsWritten: written,
    rejected,
    ...countersSince(before, client.counters),
    durationMs: Math.round(performance.now() - started),
    interrupted: options.signal?.aborted ?? false,
  };
}

function tickerOf(result: JsonValue): string | undefined {
  const details = isJsonObject(result) ? result['details'] : undefined;
  const ticker = isJsonObject(details) ? details['ticker'] : undefined;
  return typeof ticker === 'string' ? ticker : undefined;
}
