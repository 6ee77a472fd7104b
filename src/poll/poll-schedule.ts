/**
 * When `optdb poll` runs a cycle. Cycles sit on wall-clock multiples of `--every`
 * counted from the Unix epoch — a 5m poller runs at :00, :05, :10 … — so that several
 * pollers, and the `--resolution` buckets of captured_at (truncated the same way, see
 * truncateMicros), line up. With `--market-hours`, a cycle that would fall outside
 * regular trading hours moves to the next session open instead.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { OptdbError } from '../errors.js';
import { parseResolution } from '../domain/timestamp.js';
import { isRegularTradingHours, nextSessionOpen } from './market-hours.js';

export interface ScheduleOptions {
  /** The step between cycles, in milliseconds (from `--every`). */
  readonly everyMs: number;
  /** Poll only during US regular trading hours (`--market-hours`). */
  readonly marketHours: boolean;
  /** The cycle just run, if any: the next one is strictly later, even when it took no time. */
  readonly previous?: Date;
}

const MIN_EVERY_MS = 1_000;
const MAX_EVERY_MS = 86_400_000;
// Long waits are taken in slices, re-reading the wall clock after each: timers count
// monotonic time, which stops while a laptop sleeps and ignores clock corrections, and
// Node caps one timer at 2^31−1 ms (about 24.8 days).
const MAX_SLICE_MS = 60_000;

/** `--every` (`30s`, `5m`, `1h`, `1d` …) in milliseconds: a whole number of seconds, 1s to 1d. */
export function parseEvery(text: string): number {
  const micros = parseResolution(text);
  const ms = micros === undefined ? undefined : Number(micros / 1_000n);
  if (ms === undefined || ms < MIN_EVERY_MS || ms > MAX_EVERY_MS) {
    throw new OptdbError(
      'CONFIG_INVALID',
      `Invalid --every: expected a whole number followed by s, m, h or d, from 1s to 1d (e.g. 30s, 5m, 1h), got \`${text}\``,
    );
  }
  return ms;
}

/**
 * The time of the next cycle: the first multiple of `everyMs` at or after `now` (later than
 * `previous` when given), moved to the next session open when `marketHours` is set and
 * the market is closed then. A step that does not divide 09:30 (1h, say) therefore runs
 * once at the open, off the grid, and is back on it from the next multiple.
 */
export function nextCycleAt(now: Date, options: ScheduleOptions): Date {
  const { everyMs, marketHours, previous } = options;
  if (!Number.isSafeInteger(everyMs) || everyMs <= 0)
    throw new RangeError(`nextCycleAt: everyMs must be a positive integer, got ${everyMs}`);
  const from = previous === undefined ? now.getTime() : Math.max(now.getTime(), previous.getTime() + 1);
  const candidate = new Date(Math.ceil(from / everyMs) * everyMs);
  if (!marketHours || isRegularTradingHours(candidate)) return candidate;
  return nextSessionOpen(candidate);
}

/**
 * Waits until the wall clock reaches `at`. Resolves true when it has, false as soon as
 * `signal` aborts (Ctrl-C), so the caller can stop between cycles without a rejection.
 */
export async function sleepUntil(at: Date, signal?: AbortSignal): Promise<boolean> {
  for (;;) {
    if (signal?.aborted) return false;
    const remaining = at.getTime() - Date.now();
    if (remaining <= 0) return true;
    try {
      await delay(Math.min(remaining, MAX_SLICE_MS), undefined, signal ? { signal } : undefined);
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === 'AbortError') return false;
      throw error;
    }
  }
}
