/**
 * What the REST client reports as it works (through the `onEvent` option) and the
 * running totals it keeps. URLs in events never carry the key (it travels in a header)
 * and pass through redactUrl all the same.
 */

/** Why an attempt failed; api-errors.ts says what each one leads to. */
export type FailureKind =
  'throttled' | 'server-error' | 'timeout' | 'network' | 'malformed' | 'unauthorized' | 'forbidden' | 'not-found' | 'rejected';

export type LimitReason = 'throttled' | 'failure' | 'recovery';

export type ApiEvent =
  /** One HTTP request answered or failed: every attempt, retries included. */
  | { kind: 'request'; url: string; attempt: number; status: number | undefined; durationMs: number; failure: FailureKind | undefined }
  /** A failed attempt will be retried. */
  | { kind: 'retry'; url: string; attempt: number; reason: FailureKind; detail: string }
  /** HTTP 429: the server asked the client to slow down (and maybe said for how long). */
  | { kind: 'throttled'; url: string; retryAfterMs: number | undefined }
  /** The request concurrency changed (AIMD). */
  | { kind: 'limit'; from: number; to: number; reason: LimitReason }
  /** A page's next_url repeated a cursor already followed: pagination stopped there. */
  | { kind: 'repeated-cursor'; url: string; cursor: string };

export interface ApiCounters {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Answers with HTTP 429. */
  throttled: number;
  /** Attempts repeated after a failure. */
  retries: number;
  /** Calls that ended in an error (after their retries, or at once when not retryable). */
  failures: number;
}

export function emptyCounters(): ApiCounters {
  return { requests: 0, throttled: 0, retries: 0, failures: 0 };
}

/** Requests, 429s and retries between two readings of a client's counters (one cycle, one sync). */
export function countersSince(before: ApiCounters, after: ApiCounters): Pick<ApiCounters, 'requests' | 'throttled' | 'retries'> {
  return {
    requests: after.requests - before.requests,
    throttled: after.throttled - before.throttled,
    retries: after.retries - before.retries,
  };
}
