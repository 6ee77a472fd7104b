/**
 * The bounded queue between a poll cycle's fetchers and its writers: rows handed to the
 * write buffer and not yet settled (durable or rejected). A fetcher hands over a whole
 * page, then waits for room before it asks the API for the next one — so however slow
 * the database, memory holds at most `limit` rows plus one page per fetcher in flight.
 *
 * The write buffer bounds its own callers too, but each waiting write() there would hold
 * its row: the bound has to act before the next page is fetched, not after.
 */
export class Backlog {
  private size = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Expected \`limit\` to be an integer >= 1, got \`${limit}\``);
  }

  get rows(): number {
    return this.size;
  }

  /** `work` holds one row until it settles. */
  track(work: Promise<unknown>): void {
    this.size++;
    const settled = () => {
      this.size--;
      this.wake();
    };
    // Both branches: the caller handles the outcome; a rejection here must not go unhandled.
    work.then(settled, settled);
  }

  /** Resolves when fewer than `limit` rows are held. */
  async room(): Promise<void> {
    while (this.size >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves when every row handed over has settled. */
  async drained(): Promise<void> {
    while (this.size > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
