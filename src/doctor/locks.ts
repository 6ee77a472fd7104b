/**
 * Locks: sessions waiting for a lock, how long, and
 * which session holds it — the one to act on (locks.blocked); and the sessions holding a
 * lock on optdb's tables that stops its writes before anyone waits for it: a transaction
 * left open after DDL or LOCK TABLE holds it until it ends (locks.held).
 */
import type pg from 'pg';
import { withPooledClient } from '../db/pool.js';
import type { CheckFamily, CheckResult } from './check.js';
import { describeHolder, holderRemedy, type LockHolder, lockHolderRemedy, readLockHolders, type Session } from './lock-holders.js';
import { oneLine, seconds, who, withStatementsShown } from './session-text.js';
import { BLOCKING_SESSIONS, WAITING_SESSIONS } from './sql/locks.js';

export interface LockThresholds {
  /** A wait at least this long — or a lock on optdb's tables held by a transaction this old — fails instead of warning. */
  readonly failAfterSeconds: number;
}

// A wait that a snapshot happens to catch is usually two writers on the same rows for a
// moment: it warns, so it is seen. A wait of a minute is no longer that (optdb's batches
// commit in seconds, and PostgreSQL health tools call a 60 s statement long): the holder
// is stuck or has left its transaction open, and every write queued behind it has stopped.
export const LOCK_THRESHOLDS: LockThresholds = Object.freeze({ failAfterSeconds: 60 });

interface Waiting {
  pid: number;
  user: string | null;
  application: string | null;
  query: string | null;
  wait_seconds: number;
  locktype: string;
  mode: string;
  relation: string | null;
  blocking_pids: number[];
}

/** A session others wait for (BLOCKING_SESSIONS). */
type Blocker = Session;

/** The family with another fail threshold (tests lower it instead of waiting a minute). */
export function locksFamily(thresholds: LockThresholds): CheckFamily {
  return {
    name: 'locks',
    async run({ pool }) {
      return withPooledClient(pool, async (client) => {
        return [await blocked(client, thresholds), held(await readLockHolders(client), thresholds)];
      });
    },
  };
}

export const locks: CheckFamily = locksFamily(LOCK_THRESHOLDS);

async function blocked(client: pg.PoolClient, thresholds: LockThresholds): Promise<CheckResult> {
  const waiting = withStatementsShown((await client.query<Waiting>(WAITING_SESSIONS)).rows);
  if (waiting.length === 0)
    return { id: 'locks.blocked', status: 'pass', summary: 'no session in this database is waiting for a lock', details: { waiting: [] } };
  const blockerPids = [...new Set(waiting.flatMap((session) => session.blocking_pids))];
  const blockers = withStatementsShown((await client.query<Blocker>(BLOCKING_SESSIONS, [blockerPids])).rows);
  const byPid = new Map(blockers.map((blocker) => [blocker.pid, blocker]));
  const longest = Math.max(...waiting.map((session) => session.wait_seconds));
  // Act on the head of each queue: a blocker that is itself waiting is released with it.
  const waitingPids = new Set(waiting.map((session) => session.pid));
  const heads = blockerPids.filter((pid) => !waitingPids.has(pid));
  return {
    id: 'locks.blocked',
    status: longest >= thresholds.failAfterSeconds ? 'fail' : 'warn',
    summary:
      `${waiting.length} session(s) waiting for a lock, the longest ${seconds(longest)}: ` +
      waiting.map((session) => describeWait(session, byPid)).join('; '),
    remedy: (heads.length > 0 ? heads : blockerPids).map((pid) => remedyFor(pid, byPid.get(pid))).join('; '),
    details: { failAfterSeconds: thresholds.failAfterSeconds, longestWaitSeconds: longest, waiting, blockers },
  };
}

function describeWait(session: Waiting, byPid: ReadonlyMap<number, Blocker>): string {
  const target = session.relation ?? session.locktype;
  const holders = session.blocking_pids.map((pid) => describeBlocker(pid, byPid.get(pid))).join(', ');
  return `pid ${session.pid} (${who(session)}) waits ${seconds(session.wait_seconds)} for ${session.mode} on ${target} in ${oneLine(session.query)} — blocked by ${holders || 'a session that just finished'}`;
}

function describeBlocker(pid: number, blocker: Blocker | undefined): string {
  if (!blocker) return `pid ${pid} (${pid === 0 ? 'a prepared transaction' : 'no longer running'})`;
  const since = blocker.state_seconds === null ? '' : ` for ${seconds(blocker.state_seconds)}`;
  return `pid ${pid} (${who(blocker)}, ${blocker.state ?? 'state not visible'}${since}: ${oneLine(blocker.query)})`;
}

function remedyFor(pid: number, blocker: Blocker | undefined): string {
  if (pid === 0) return 'a prepared transaction holds the lock: COMMIT PREPARED or ROLLBACK PREPARED it (see pg_prepared_xacts)';
  if (!blocker) return `pid ${pid} has ended since: rerun optdb doctor`;
  return holderRemedy(blocker);
}

/**
 * Locks on optdb's tables that stop its writes, whether or not anyone waits yet. Granted
 * ones only: a session still queued for one is a waiter, in locks.blocked. Any such lock
 * warns — every write to the table stops while it is held; one held by a transaction open
 * for failAfterSeconds fails, as a wait that long does.
 */
function held(holders: readonly LockHolder[], thresholds: LockThresholds): CheckResult {
  const holding = holders.filter((holder) => holder.granted);
  const details = { failAfterSeconds: thresholds.failAfterSeconds, holders: holding };
  if (holding.length === 0)
    return { id: 'locks.held', status: 'pass', summary: "no session holds a lock on optdb's tables that stops its writes", details };
  const oldest = Math.max(...holding.map((holder) => holder.transaction_seconds ?? 0));
  return {
    id: 'locks.held',
    status: oldest >= thresholds.failAfterSeconds ? 'fail' : 'warn',
    summary: `${holding.length} session(s) hold a lock on optdb's tables that stops its writes (and, ACCESS EXCLUSIVE, its reads): ${holding.map(describeHolder).join('; ')}`,
    remedy: holding.map(lockHolderRemedy).join('; '),
    details,
  };
}
