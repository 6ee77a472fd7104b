/**
 * The poll loop: `once` runs one cycle now; otherwise cycles run at the times
 * poll-schedule.ts gives (wall-clock multiples of the step, only in sessions with
 * `marketHours`), one after the other — a cycle that overruns its step delays the next
 * instead of overlapping it.
 *
 * Cancelling `signal` (Ctrl-C) stops the fetching of the cycle under way; its fetched
 * rows are still written and it is reported (marked interrupted) before the loop ends.
 * A cancelled wait between cycles just ends the loop.
 */
import { isRegularTradingHours } from './market-hours.js';
import { type CycleOptions, type CycleResult, runCycle } from './poll-cycle.js';
import { nextCycleAt, sleepUntil } from './poll-schedule.js';

export interface PollOptions extends Omit<CycleOptions, 'signal'> {
  readonly underlyings: readonly string[];
  /** One cycle, now (or at `at`), then stop. */
  readonly once: boolean;
  /** The step between cycles (ms); ignored with `once`. */
  readonly everyMs: number;
  /** Poll only during US regular trading hours. */
  readonly marketHours: boolean;
  /** With `once`: the cycle's time instead of now (a rerun of an earlier cycle hits the same rows). */
  readonly at?: Date | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Called after every cycle, before the loop waits for the next. */
  readonly onCycle: (result: CycleResult) => Promise<void> | void;
  /** Called before every wait, with why the next cycle is when it is. */
  readonly onWait?: (next: Date, reason: WaitReason) => void;
  readonly now?: () => Date;
}

/**
 * 'first': the first cycle of the poll; 'next': the next step; 'market-closed': the market
 * is closed until `next`; 'overrun': the last cycle took longer than the step, and the
 * cycles it ran into are skipped.
 */
export type WaitReason = 'first' | 'next' | 'market-closed' | 'overrun';

export interface PollSummary {
  readonly cycles: number;
  /** Underlyings that failed, summed over cycles. */
  readonly failedUnderlyings: number;
  /** `once` with `marketHours` outside trading hours: nothing was polled. */
  readonly marketClosed: boolean;
}

export async function poll(options: PollOptions): Promise<PollSummary> {
  const now = options.now ?? (() => new Date());
  const { signal } = options;
  let cycles = 0;
  let failedUnderlyings = 0;
  const cycle = async (at: Date) => {
    const result = await runCycle(at, options.underlyings, { ...options, signal });
    cycles++;
    failedUnderlyings += result.failed.length;
    await options.onCycle(result);
  };

  if (options.once) {
    const at = options.at ?? now();
    if (options.marketHours && options.at === undefined && !isRegularTradingHours(at)) {
      options.onWait?.(nextCycleAt(at, { everyMs: options.everyMs, marketHours: true }), 'market-closed');
      return { cycles, failedUnderlyings, marketClosed: true };
    }
    await cycle(at);
    return { cycles, failedUnderlyings, marketClosed: false };
  }

  let previous: Date | undefined;
  while (!signal?.aborted) {
    const from = now();
    const next = nextCycleAt(from, { everyMs: options.everyMs, marketHours: options.marketHours, previous });
    options.onWait?.(next, waitReason(from, next, options.everyMs, previous));
    if (!(await sleepUntil(next, signal))) break;
    await cycle(next);
    previous = next;
  }
  return { cycles, failedUnderlyings, marketClosed: false };
}

function waitReason(now: Date, next: Date, everyMs: number, previous: Date | undefined): WaitReason {
  if (next.getTime() > nextCycleAt(now, { everyMs, marketHours: false, previous }).getTime()) return 'market-closed';
  if (previous === undefined) return 'first';
  return next.getTime() > previous.getTime() + everyMs ? 'overrun' : 'next';
}
