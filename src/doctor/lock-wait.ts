/**
 * A check that could not get its answer because one of its statements gave up waiting
 * for a lock (doctor's lock_timeout, bounded-pool.ts): its result says so and names the
 * sessions holding locks on optdb's tables, instead of a bare 55P03 — or a hang.
 */
import type pg from 'pg';
import { classifyError } from '../db/error-policy.js';
import { DOCTOR_TIMEOUTS } from './bounded-pool.js';
import type { CheckResult, CheckStatus } from './check.js';
import { describeHolder, type LockHolder, lockHolderRemedy, readLockHolders } from './lock-holders.js';
import { seconds } from './session-text.js';

export interface LockWait {
  /** 55P03 lock_not_available, or 57014 query_canceled while a lock on optdb's tables was held. */
  readonly code: string;
  readonly message: string;
  readonly holders: readonly LockHolder[];
}

/**
 * The lock wait that ended a statement, with who holds the lock; undefined for any other
 * error. A statement timeout counts as one only while someone holds a lock that stops
 * doctor: otherwise the statement was slow, and that is reported as it is.
 */
export async function lockWaitOf(error: unknown, queryable: Pick<pg.Pool, 'query'>): Promise<LockWait | undefined> {
  const { code, message } = classifyError(error);
  if (code !== '55P03' && code !== '57014') return undefined;
  // After the wait ended nothing links this session to the holder any more: the holders
  // are the sessions whose locks on optdb's tables stop reads and writes now.
  const holders = await readLockHolders(queryable).catch(() => []);
  if (code === '57014' && holders.length === 0) return undefined;
  return { code, message, holders };
}

export interface LockWaitWording {
  /** A failure for an essential check; a warning otherwise: the check has no answer, the holder is the finding. */
  readonly status?: Exclude<CheckStatus, 'pass'>;
  /** What did not happen, and what waited: `not checked: a statement` unless told. */
  readonly what?: string;
}

/** `id`'s result when a lock wait kept it from an answer. */
export function lockWaitResult(
  id: string,
  wait: LockWait,
  { status = 'warn', what = 'not checked: a statement' }: LockWaitWording = {},
): CheckResult {
  const gaveUp =
    wait.code === '55P03'
      ? `gave up waiting for a lock after ${seconds(DOCTOR_TIMEOUTS.lockTimeoutMs / 1000)} (lock_timeout)`
      : `was cancelled after ${seconds(DOCTOR_TIMEOUTS.statementTimeoutMs / 1000)} (statement_timeout) while a lock on optdb's tables was held`;
  const holders = wait.holders.length > 0 ? wait.holders.map(describeHolder).join('; ') : 'the holder has let go since';
  return {
    id,
    status,
    summary: `${what} ${gaveUp} (${wait.code} ${wait.message}) — ${holders}`,
    remedy:
      wait.holders.length > 0
        ? `${wait.holders.map(lockHolderRemedy).join('; ')}; then rerun optdb doctor`
        : 'rerun optdb doctor; if it recurs, see locks.blocked and locks.held',
    details: { code: wait.code, ...DOCTOR_TIMEOUTS, holders: wait.holders },
  };
}

/** Runs one check; a lock wait that ends it becomes its result, any other error is thrown on. */
export async function unlessLockWait(
  id: string,
  queryable: Pick<pg.Pool, 'query'>,
  check: () => Promise<CheckResult>,
): Promise<CheckResult> {
  try {
    return await check();
  } catch (error) {
    const wait = await lockWaitOf(error, queryable);
    if (!wait) throw error;
    return lockWaitResult(id, wait);
  }
}
