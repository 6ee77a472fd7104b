/**
 * A stop of one's own that also follows a caller's signal — what a poll cycle, a contracts
 * sync and an API request each need (stopped by Ctrl-C, or by themselves: a bad key, a
 * timeout) — and that lets go of the caller's signal when the work ends.
 *
 * Why not `AbortSignal.any`: Node 20 keeps a record of every signal derived from a source
 * for as long as the source lives (about 60 bytes each, never freed), so a poll deriving a
 * signal per cycle and per request from its run-long one would grow for as long as it
 * runs. Here the link is one listener, removed by `release()`.
 */
import { setMaxListeners } from 'node:events';

export class StopSignal {
  readonly #controller = new AbortController();
  readonly #unlink: (() => void) | undefined;

  constructor(follows?: AbortSignal) {
    // Every request in flight listens to it (one per fetcher, and its retry waits): more
    // than Node's default of 10 listeners is expected, not a leak.
    setMaxListeners(0, this.#controller.signal);
    if (!follows) return;
    if (follows.aborted) {
      this.#controller.abort(follows.reason);
      return;
    }
    const onAbort = () => this.#controller.abort(follows.reason);
    follows.addEventListener('abort', onAbort, { once: true });
    this.#unlink = () => follows.removeEventListener('abort', onAbort);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  stop(reason: unknown): void {
    this.#controller.abort(reason);
  }

  /** The work is over: stop following the caller's signal. */
  release(): void {
    this.#unlink?.();
  }
}
