/**
 * How long something is retried, shared by every retry loop in optdb (database batches,
 * the statements around them, API requests): the bounds, the database's defaults, and
 * their translation into p-retry's options, always with jitter.
 */
import type { Config } from './config.js';

export interface RetryLimits {
  readonly retries: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** No new attempt starts after this long (ms) since the first. */
  readonly maxRetryTimeMs: number;
}

/**
 * How a batch, and the statements around it, are retried when nobody says otherwise
 * (OPTDB_RETRY_ATTEMPTS, OPTDB_RETRY_MAX_TIME_MS default to these). The time limit is what
 * normally ends the retries (enough for a server restart); the attempt limit is a backstop
 * above it (30 × up to 5 s).
 */
export const DEFAULT_RETRY_LIMITS: RetryLimits = Object.freeze({
  retries: 30,
  minDelayMs: 100,
  maxDelayMs: 5_000,
  maxRetryTimeMs: 120_000,
});

/** The database retry limits a user configured (OPTDB_RETRY_ATTEMPTS, OPTDB_RETRY_MAX_TIME_MS). */
export function retryLimitsFrom(config: Pick<Config, 'retryAttempts' | 'retryMaxTimeMs'>): RetryLimits {
  return { ...DEFAULT_RETRY_LIMITS, retries: config.retryAttempts, maxRetryTimeMs: config.retryMaxTimeMs };
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
  return {
    retries: limits.retries,
    minTimeout: limits.minDelayMs,
    maxTimeout: limits.maxDelayMs,
    maxRetryTime: limits.maxRetryTimeMs,
    randomize: true,
  };
}

/**
 * Whether p-retry will try again after this failed attempt. Its onFailedAttempt is called
 * before it decides, so a retry is reported only when another attempt will follow.
 */
export function anotherAttemptFollows(attempt: { readonly retriesLeft: number }, limits: RetryLimits, firstAttemptAt: number): boolean {
  return attempt.retriesLeft > 0 && Date.now() - firstAttemptAt < limits.maxRetryTimeMs;
}
