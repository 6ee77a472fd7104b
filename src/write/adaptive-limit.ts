/**
 * The write gate's limit, adjusted to what the server can take: lowered when it says it
 * is overloaded (53300 too many connections, pool acquire timeouts) — by at most a
 * fraction per step, never to zero — and raised again by one after a run of healthy
 * batches, never above the configured limit. The knowledge base's lesson: change
 * concurrency gradually (700 → 500 → 300, not 700 → 100).
 */
import type PQueue from 'p-queue';

export interface AdaptiveLimitOptions {
  readonly max: number;
  /** The largest share of the limit removed in one step. */
  readonly decreaseFraction: number;
  /** Healthy batches in a row before the limit grows by one. */
  readonly increaseAfter: number;
}

export const DEFAULT_ADAPTIVE_LIMIT = { decreaseFraction: 0.25, increaseAfter: 20 } as const;

export class AdaptiveLimit {
  private healthy = 0;

  constructor(
    private readonly queue: PQueue,
    private readonly options: AdaptiveLimitOptions,
  ) {}

  get current(): number {
    return this.queue.concurrency;
  }

  onOverload(): void {
    this.healthy = 0;
    const step = Math.max(1, Math.floor(this.queue.concurrency * this.options.decreaseFraction));
    this.queue.concurrency = Math.max(1, this.queue.concurrency - step);
  }

  onSuccess(): void {
    if (++this.healthy < this.options.increaseAfter || this.queue.concurrency >= this.options.max) return;
    this.healthy = 0;
    this.queue.concurrency += 1;
  }
}
