/**
 * A single statement retried while the SQLSTATE policy calls its failure transient —
 * for the small statements around the batches (reading and recording the ledger).
 * Bounded in attempts and time, with jittered exponential backoff. The limits have no
 * default: each caller passes the ones it answers to (the user's, for the ledger), so
 * none falls back to the library's silently.
 */
import pRetry from 'p-retry';
import { pRetryOptions, type RetryLimits } from '../retry-limits.js';
import { classifyError } from './error-policy.js';

export async function retryTransient<T>(work: () => Promise<T>, limits: RetryLimits): Promise<T> {
  return pRetry(work, {
    ...pRetryOptions(limits),
    shouldRetry: (error) => classifyError(error).policy.action === 'retry',
  });
}
