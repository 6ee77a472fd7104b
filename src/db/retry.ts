/**
 * A single statement retried while the SQLSTATE policy calls its failure transient —
 * for the small statements around the batches (reading and recording the ledger).
 * Bounded in attempts and time, with jittered exponential backoff.
 */
import pRetry from 'p-retry';
import { pRetryOptions, type RetryLimits } from '../retry-limits.js';
import { DEFAULT_RETRY_LIMITS } from '../write/resilient-writer.js';
import { classifyError } from './error-policy.js';

export async function retryTransient<T>(work: () => Promise<T>, limits: RetryLimits = DEFAULT_RETRY_LIMITS): Promise<T> {
  return pRetry(work, {
    ...pRetryOptions(limits),
    shouldRetry: (error) => classifyError(error).policy.action === 'retry',
  });
}
