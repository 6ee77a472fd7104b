/**
 * What optdb does about a code, in words for a person. The decision is error-policy.ts's
 * (policyFor: exact code, Prisma equivalent, then the SQLSTATE's class); this file only
 * describes it.
 */
import { type ErrorAction, type ErrorCategory, type ErrorPolicy, policyFor } from '../db/error-policy.js';

export interface PolicyReference {
  /** the code of the policy row that applies: the code itself, its Prisma equivalent, or its class */
  readonly code: string;
  readonly action: ErrorAction;
  readonly category: ErrorCategory;
}

export interface OptdbBehaviour {
  readonly policy: ErrorPolicy | undefined;
  readonly reference: PolicyReference | null;
  readonly description: string;
}

const ACTIONS: Readonly<Record<ErrorAction, string>> = {
  retry: 'retries the batch with jittered exponential backoff, bounded in attempts and time, then stops and prints the remedy',
  'split-then-retry':
    'writes the batch in halves, each retried the same way (the whole batch would time out again as it is); a single row is retried with backoff, then optdb stops and prints the remedy',
  'retry-fresh-connection-then-fallback':
    'retries the batch once on a fresh connection, then writes it with the next simpler strategy (copy → unnest → per-row Prisma); on the simplest one it retries with backoff like a transient error, and stops and prints the remedy only when the retry limits are spent',
  'isolate-rows':
    'splits the batch until the refused rows are alone, writes every other row, and reports the refused ones as rejects with this message',
  'stop-with-remedy': 'stops and prints the remedy',
  stop: 'stops at once and prints the remedy; nothing is retried',
};

const NOT_HANDLED = 'stops: not a failure optdb handles automatically (it prints the message and exits)';

export function optdbBehaviour(code: string): OptdbBehaviour {
  const policy = policyFor(code);
  if (!policy) return { policy, reference: null, description: NOT_HANDLED };
  let description = ACTIONS[policy.action];
  if (policy.lowerConcurrency) description += '; it also lowers its write concurrency';
  const normalized = code.trim().toUpperCase();
  if (policy.code !== normalized) {
    description += policy.code.length === 2 ? ` (the policy for class ${policy.code})` : ` (handled as ${policy.code})`;
  }
  return { policy, reference: { code: policy.code, action: policy.action, category: policy.category }, description };
}

/** A policy's meaning without the condition-name label it starts with ("deadlock_detected: …"). */
export function policyMeaning(policy: ErrorPolicy, labels: readonly string[]): string {
  for (const label of labels) {
    const prefix = `${label.toLowerCase()}: `;
    if (policy.meaning.toLowerCase().startsWith(prefix)) return policy.meaning.slice(prefix.length);
  }
  return policy.meaning;
}
