/**
 * How fast and how many requests at once: one limiter per client, shared by every
 * request it sends (pages, retries, several underlyings polled in parallel).
 *
 * - **Rate**: request starts are spaced by 1/requestsPerSecond (p-queue's sliding window
 *   with one start per interval), so N requests take at least (N−1)/rate and no burst
 *   ever exceeds the rate. Fractions work: the free tier's 5/min is 0.083/s.
 * - **Concurrency, AIMD** (additive increase, multiplicative decrease): a 429 halves the limit — the server said "slow down"
 *   in so many words; a 5xx, a timeout, a broken connection or a malformed body multiply
 *   it by 0.9 — those may be one bad node or one slow page, so the limit backs off
 *   gently, as Netflix's AIMD does on a drop. A run of `recoverAfter` successes adds one,
 *   never above the configured concurrency; the limit never goes below one.
 *   One decrease per round: a failure lowers the limit only if its request started
 *   after the last decrease. Eight requests that all meet the same 429 wave lower it
 *   once, not eight times (TCP's one cut per round trip).
 * - **Hold**: a `Retry-After` pauses every start, not only the throttled request's retry:
 *   the server's answer concerns the client as a whole.
 */
import PQueue from 'p-queue';
import type { LimitReason } from './api-events.js';

export interface RequestLimiterOptions {
  readonly requestsPerSecond: number;
  /** The starting limit, and the most it grows back to. */
  readonly concurrency: number;
  readonly recoverAfter: number;
  readonly onLimit?: (from: number, to: number, reason: LimitReason) => void;
}

/** The limiter's round when a request started (see `onFailure`). */
export type Round = number;

export class RequestLimiter {
  private readonly queue: PQueue;
  /** Kept fractional (7.2 after one ×0.9 from 8) so gentle cuts add up; the queue gets its floor. */
  private level: number;
  private round: Round = 0;
  private successes = 0;
  private holdUntil = 0;
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RequestLimiterOptions) {
    this.level = options.concurrency;
    this.queue = new PQueue({
      concurrency: options.concurrency,
      interval: RequestLimiter.intervalMs(options.requestsPerSecond),
      intervalCap: 1,
      strict: true,
    });
  }

  /** Time between two request starts (ms), rounded up so the rate is never exceeded. */
  static intervalMs(requestsPerSecond: number): number {
    return Math.ceil(1000 / requestsPerSecond);
  }

  /** Requests allowed in flight right now. */
  get limit(): number {
    return this.queue.concurrency;
  }

  /** Runs `request` when the rate, the concurrency and any hold allow; it learns the round it started in. */
  run<T>(request: (round: Round) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.queue.add(() => request(this.round), { signal });
  }

  onSuccess(): void {
    if (this.level >= this.options.concurrency) return;
    if (++this.successes < this.options.recoverAfter) return;
    this.successes = 0;
    this.setLevel(Math.min(this.options.concurrency, this.level + 1), 'recovery');
  }

  /** A request that started in `round` failed in a way that calls for less concurrency. */
  onFailure(round: Round, factor: number, reason: LimitReason): void {
    this.successes = 0;
    if (round !== this.round) return; // this wave of failures already lowered the limit
    if (this.setLevel(Math.max(1, this.level * factor), reason)) this.round++;
  }

  /** No request starts for `ms` (a longer hold already in place wins). */
  holdFor(ms: number): void {
    const until = Date.now() + ms;
    if (ms <= 0 || until <= this.holdUntil) return;
    this.holdUntil = until;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.queue.pause();
    // Not unref'd: a retry waits on this timer, and the process must not exit under it.
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      this.queue.start();
    }, ms);
  }

  /** Ends a hold early (to stop waiting requests, abort them through their signal). */
  close(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.holdUntil = 0;
    this.queue.start();
  }

  private setLevel(level: number, reason: LimitReason): boolean {
    this.level = level;
    const from = this.queue.concurrency;
    const to = Math.max(1, Math.floor(level));
    if (to === from) return false;
    this.queue.concurrency = to;
    this.options.onLimit?.(from, to, reason);
    return true;
  }
}
