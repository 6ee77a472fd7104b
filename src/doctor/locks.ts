/**
 * Step 4 of the checklist, "Check for locks": sessions waiting for a lock, how long, and
 * which session holds it — the one to act on.
 */
import type pg from 'pg';
import { withPooledClient } from '../db/pool.js';
import type { CheckFamily, CheckResult } from './check.js';
import { oneLine, seconds, who } from './session-text.js';
import { BLOCKING_SESSIONS, WAITING_SESSIONS } from './sql/locks.js';

export interface LockThresholds {
  /** A wait at least this long fails instead of warning. */
  readonly failAfterSeconds: number;
}

// A wait that a snapshot happens to catch is usually two writers on the same rows for a
// moment: it warns, so it is seen. A wait of a minute is no longer that (optdb's batches
// commit in seconds, and health tools call a 60 s statement long, facts §8): the holder
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

interface Blocker {
  pid: number;
  user: string | null;
  application: string | null;
  state: string | null;
  query: string | null;
  transaction_seconds: number | null;
  state_seconds: number | null;
}

/** The family with another fail threshold (tests lower it instead of waiting a minute). */
export function locksFamily(thresholds: LockThresholds): CheckFamily {
  return {
    name: 'locks',
    async run({ pool }) {
      return withPooledClient(pool, async (client) => {
        return [await blocked(client, thresholds)];
      });
    },
  };
}

export const locks: CheckFamily = locksFamily(LOCK_THRESHOLDS);

async function blocked(client: pg.PoolClient, thresholds: LockThresholds): Promise<CheckResult> {
  const waiting = (await client.query<Waiting>(WAITING_SESSIONS)).rows;
  if (waiting.length === 0) return { id: 'locks.blocked', status: 'pass', summary: 'no session in this database is waiting for a lock', details: { waiting: [] } };
  const blockerPids = [...new Set(waiting.flatMap((session) => session.blocking_pids))];
  const blockers = (await client.query<Blocker>(BLOCKING_SESSIONS, [blockerPids])).rows;
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
  if (blocker.state?.startsWith('idle in transaction')) {
    return `pid ${pid} holds the lock and is idle in transaction: end it with SELECT pg_terminate_backend(${pid}), and fix the application (${who(blocker)}) so it commits promptly`;
  }
  return `pid ${pid} holds the lock and is ${blocker.state ?? 'running'}: wait for it to finish, or fix the application (${who(blocker)}) that holds the lock this long`;
}
