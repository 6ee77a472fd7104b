/**
 * How long something is retried, shared by every retry loop in optdb (database batches,
 * the statements around them, API requests): the bounds, and their translation into
 * p-retry's options, always with jitter.
 */
export interface RetryLimits {
  readonly retries: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** No new attempt starts after this long (ms) since the first. */
  readonly maxRetryTimeMs: number;
}

/** p-retry's names for the same bounds. */
export interface PRetryBounds {
  retries: number;
  minTimeout: number;
  maxTimeout: number;
  maxRetryTime: number;
  randomize: boolean;
}

export function pRetryOptions(limits: RetryLimits): PRetryBounds {
  return { retries: limits.retries, minTimeout: limits.minDelayMs, maxTimeout: limits.maxDelayMs, maxRetryTime: limits.maxRetryTimeMs, randomize: true };
}

/**
 * Whether p-retry will try again after this failed attempt. Its onFailedAttempt is called
 * before it decides, so a retry is reported only when another attempt will follow.
 */
export function anotherAttemptFollows(attempt: { readonly retriesLeft: number }, limits: RetryLimits, firstAttemptAt: number): boolean {
  return attempt.retriesLeft > 0 && Date.now() - firstAttemptAt < limits.maxRetryTimeMs;
}
