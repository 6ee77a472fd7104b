/**
 * Fetches one page, whatever the API answers: each attempt waits for the limiter (rate,
 * concurrency, any Retry-After hold), runs under the timeout, and reports itself; a
 * failed attempt is retried as api-errors.ts's table says — exponential backoff with
 * jitter (p-retry), bounded in attempts and in total time — or translated into the
 * error the caller sees.
 */
import pRetry, { AbortError } from 'p-retry';
import { redactText, redactUrl } from '../redact.js';
import { anotherAttemptFollows, pRetryOptions } from '../retry-limits.js';
import { apiError, AttemptFailure, FAILURE_POLICIES, PolygonApiError, withoutKey } from './api-errors.js';
import type { ApiCounters, ApiEvent } from './api-events.js';
import { sendRequest } from './api-request.js';
import type { ClientSettings } from './client-options.js';
import { type PageShape, type ReadPage, readPage } from './pages.js';
import type { RequestLimiter, Round } from './request-limiter.js';

export interface PageRequest {
  readonly url: URL;
  readonly shape: PageShape;
  /** What is asked for, for error messages: "the option chain of I:SPX". */
  readonly subject: string;
  readonly signal?: AbortSignal | undefined;
}

export class PageFetcher {
  // Private (#) so that inspecting the fetcher or the client never prints the key.
  readonly #apiKey: string;

  constructor(
    apiKey: string,
    private readonly options: ClientSettings,
    private readonly limiter: RequestLimiter,
    private readonly counters: ApiCounters,
    private readonly emit: (event: ApiEvent) => void,
  ) {
    this.#apiKey = apiKey;
  }

  async fetch(request: PageRequest): Promise<ReadPage> {
    const { retry } = this.options;
    // Every text this fetcher reports is masked with the key: a next_url or an error body
    // comes from the server, which may echo the key it was sent.
    const url = redactUrl(withoutKey(request.url.href, this.#apiKey));
    const firstAttempt = Date.now();
    let attempts = 0;
    let last: AttemptFailure | undefined;
    try {
      return await pRetry(
        async (attempt) => {
          attempts = attempt;
          try {
            return await this.limiter.run((round) => this.attempt(request, url, attempt, round), request.signal);
          } catch (error) {
            if (!(error instanceof AttemptFailure)) throw new AbortError(error instanceof Error ? error : new Error(String(error)));
            last = error;
            if (!FAILURE_POLICIES[error.kind].retry)
              throw new AbortError(apiError(error, { url, subject: request.subject }, attempt, this.#apiKey));
            throw error;
          }
        },
        {
          ...pRetryOptions(retry),
          signal: request.signal,
          onFailedAttempt: (error) => {
            if (!anotherAttemptFollows(error, retry, firstAttempt) || !(error instanceof AttemptFailure)) return;
            this.counters.retries++;
            this.emit({
              kind: 'retry',
              url,
              attempt: error.attemptNumber,
              reason: error.kind,
              detail: redactText(withoutKey(error.message, this.#apiKey)),
            });
          },
        },
      );
    } catch (error) {
      if (request.signal?.aborted) throw error; // cancelled by the caller: not a failure
      this.counters.failures++;
      if (error instanceof PolygonApiError) throw error;
      if (last) throw apiError(last, { url, subject: request.subject }, attempts, this.#apiKey);
      throw error;
    }
  }

  /** `url`: the request's URL as it may be shown (redacted once, in fetch). */
  private async attempt(request: PageRequest, url: string, attempt: number, round: Round): Promise<ReadPage> {
    this.counters.requests++;
    const started = performance.now();
    let status: number | undefined;
    try {
      const answer = await sendRequest(request.url, { apiKey: this.#apiKey, timeoutMs: this.options.timeoutMs, signal: request.signal });
      status = answer.status;
      const page = readPage(answer.text, request.shape, url, this.options.baseUrl);
      this.report(url, attempt, status, started, undefined);
      this.limiter.onSuccess();
      return page;
    } catch (thrown) {
      if (!(thrown instanceof AttemptFailure)) throw thrown; // the caller's abort
      // Masked where it enters: the retry events and the final error are made from it.
      const failure = thrown.withoutKey(this.#apiKey);
      this.report(url, attempt, failure.status ?? status, started, failure);
      if (failure.kind === 'throttled') this.onThrottled(url, failure.retryAfterMs);
      const policy = FAILURE_POLICIES[failure.kind];
      if (policy.concurrencyFactor !== undefined) this.limiter.onFailure(round, policy.concurrencyFactor, policy.limitReason);
      throw failure;
    }
  }

  private onThrottled(url: string, retryAfterMs: number | undefined): void {
    this.counters.throttled++;
    this.emit({ kind: 'throttled', url, retryAfterMs });
    if (retryAfterMs !== undefined) this.limiter.holdFor(Math.min(retryAfterMs, this.options.maxRetryAfterMs));
  }

  private report(url: string, attempt: number, status: number | undefined, started: number, failure: AttemptFailure | undefined): void {
    const durationMs = Math.round(performance.now() - started);
    this.emit({ kind: 'request', url, attempt, status, durationMs, failure: failure?.kind });
  }
}
