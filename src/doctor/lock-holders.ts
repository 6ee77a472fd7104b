/**
 * The sessions that hold a lock on optdb's tables in a mode that stops its writes — and,
 * ACCESS EXCLUSIVE, doctor's own reads — with what to do about each. The locks check
 * lists them (locks.held); a check that gave up waiting for a lock names them (lock-wait.ts).
 */
import type pg from 'pg';
import { OPTDB_TABLES } from './optdb-tables.js';
import { oneLine, seconds, who, withStatementsShown } from './session-text.js';
import { LOCK_HOLDERS } from './sql/locks.js';

/** A server session as pg_stat_activity shows it (columns NULL for a role without pg_read_all_stats). */
export interface Session {
  readonly pid: number;
  readonly user: string | null;
  readonly application: string | null;
  readonly state: string | null;
  readonly query: string | null;
  readonly transaction_seconds: number | null;
  readonly state_seconds: number | null;
}

export interface LockHolder extends Session {
  /** False when the session is still queued for the lock (ahead of whoever asks next). */
  readonly granted: boolean;
  /** e.g. `AccessExclusiveLock on options`. */
  readonly locks: readonly string[];
}

export async function readLockHolders(queryable: Pick<pg.Pool, 'query'>): Promise<LockHolder[]> {
  return withStatementsShown((await queryable.query<LockHolder>(LOCK_HOLDERS, [OPTDB_TABLES])).rows);
}

/** `pid 4711 (postgres, psql, idle in transaction for 12 s, transaction open 15 s) holds AccessExclusiveLock on options: LOCK TABLE …` */
export function describeHolder(holder: LockHolder): string {
  const verb = holder.granted ? 'holds' : 'is queued for';
  return `pid ${holder.pid} (${who(holder)}, ${sessionState(holder)}) ${verb} ${holder.locks.join(', ')}: ${oneLine(holder.query)}`;
}

/** `idle in transaction for 12 s, transaction open 15 s`. */
export function sessionState(session: Session): string {
  const since = session.state_seconds === null ? '' : ` for ${seconds(session.state_seconds)}`;
  const transaction = session.transaction_seconds === null ? '' : `, transaction open ${seconds(session.transaction_seconds)}`;
  return `${session.state ?? 'state not visible'}${since}${transaction}`;
}

/** What to do about a session that holds a lock others need. */
export function holderRemedy(session: Session): string {
  const { pid } = session;
  if (session.state?.startsWith('idle in transaction')) {
    return `pid ${pid} holds the lock and is idle in transaction: end it with SELECT pg_terminate_backend(${pid}), and fix the application (${who(session)}) so it commits promptly`;
  }
  return `pid ${pid} holds the lock and is ${session.state ?? 'running'}: wait for it to finish, or fix the application (${who(session)}) that holds the lock this long`;
}

/** holderRemedy, or for a session still queued, where to look next. */
export function lockHolderRemedy(holder: LockHolder): string {
  if (holder.granted) return holderRemedy(holder);
  return `pid ${holder.pid} is queued for ${holder.locks.join(', ')} and everything that arrives after it waits too: end what it waits for (locks.blocked), or cancel it with SELECT pg_cancel_backend(${holder.pid})`;
}
