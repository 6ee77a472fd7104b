/**
 * Active connections: how full the server's connection table is (a full one answers
 * new connections with 53300 "too many connections"), and the sessions
 * that hold what others need — transactions left open, statements that do not end.
 */
import type pg from 'pg';
import { withPooledClient } from '../db/pool.js';
import type { CheckFamily, CheckResult } from './check.js';
import { type ConnectionSlots, usableSlots } from './connection-slots.js';
import { oneLine, seconds, who, withStatementsShown } from './session-text.js';
import { IDLE_IN_TRANSACTION, LONG_QUERIES, SESSIONS_BY_STATE_AND_APPLICATION } from './sql/connections.js';

export interface ConnectionThresholds {
  /** Share of the usable slots in use from which usage warns. */
  readonly warnUsage: number;
  /** Share from which it fails: a few more connections and the server refuses them (53300). */
  readonly failUsage: number;
  readonly idleInTransactionSeconds: number;
  readonly longQuerySeconds: number;
}

// The thresholds PgHero, check_postgres and Heroku's pg:diagnose use: 80 % warns
// while there is room to act, 95 % is one burst of new pool connections from refusal; a
// transaction idle for a minute holds its locks and holds back VACUUM for no work; a
// statement running a minute is far past optdb's batches, which commit in seconds.
export const CONNECTION_THRESHOLDS: ConnectionThresholds = Object.freeze({
  warnUsage: 0.8,
  failUsage: 0.95,
  idleInTransactionSeconds: 60,
  longQuerySeconds: 60,
});

/** The family with other thresholds (tests lower the durations instead of waiting a minute). */
export function connectionsFamily(thresholds: ConnectionThresholds): CheckFamily {
  return {
    name: 'connections',
    async run(context) {
      // Read first (unless another check has): the pool's connection is then idle again,
      // and the client below is that same one — doctor counts as one session in usage.
      const slots = await context.connectionSlots();
      return withPooledClient(context.pool, async (client) => {
        return [await usage(client, slots, thresholds), await idleInTransaction(client, thresholds), await longQueries(client, thresholds)];
      });
    },
  };
}

export const connections: CheckFamily = connectionsFamily(CONNECTION_THRESHOLDS);

interface SessionGroup {
  hidden: boolean;
  state: string;
  application: string;
  sessions: number;
}

async function usage(client: pg.PoolClient, slots: ConnectionSlots, thresholds: ConnectionThresholds): Promise<CheckResult> {
  const groups = (await client.query<SessionGroup>(SESSIONS_BY_STATE_AND_APPLICATION)).rows;
  const visible = groups.filter((group) => !group.hidden);
  const hidden = sum(groups.filter((group) => group.hidden));
  const inUse = sum(visible);
  const usable = usableSlots(slots);
  const share = inUse / usable;
  const byState = tally(visible, (group) => group.state);
  const byApplication = tally(visible, (group) => group.application);
  const reservedText = slots.reserved > 0 ? ` − ${slots.reserved} reserved_connections` : '';
  const summary =
    `${inUse} of ${usable} usable connections in use (${percent(share)}; max_connections ${slots.max_connections} − ${slots.superuser_reserved} superuser_reserved_connections${reservedText}); ` +
    `by state: ${listed(byState)}; by application: ${listed(byApplication)}` +
    (hidden > 0 ? `; ${hidden} more session(s) not visible to this role (grant it pg_read_all_stats)` : '');
  const details = {
    inUse,
    usable,
    share: Math.round(share * 1000) / 1000,
    ...slots,
    byState,
    byApplication,
    hidden,
    optdb: byApplication.optdb ?? 0,
  };
  if (share < thresholds.warnUsage) return { id: 'connections.usage', status: 'pass', summary, details };
  return {
    id: 'connections.usage',
    status: share >= thresholds.failUsage ? 'fail' : 'warn',
    summary,
    remedy:
      'lower OPTDB_POOL_SIZE (and the pool sizes of the other applications listed), put a transaction pooler such as PgBouncer in front of the server, ' +
      'or raise max_connections (a restart)',
    details,
  };
}

interface IdleSession {
  pid: number;
  user: string | null;
  application: string | null;
  state: string;
  idle_seconds: number;
  transaction_seconds: number;
  query: string | null;
}

async function idleInTransaction(client: pg.PoolClient, thresholds: ConnectionThresholds): Promise<CheckResult> {
  const limit = thresholds.idleInTransactionSeconds;
  const sessions = withStatementsShown((await client.query<IdleSession>(IDLE_IN_TRANSACTION, [limit])).rows);
  const details = { thresholdSeconds: limit, sessions };
  if (sessions.length === 0)
    return {
      id: 'connections.idle-in-transaction',
      status: 'pass',
      summary: `no session in this database idle in a transaction for over ${limit} s`,
      details,
    };
  const pids = sessions.map((session) => session.pid);
  return {
    id: 'connections.idle-in-transaction',
    status: 'warn',
    summary:
      `${sessions.length} session(s) idle in a transaction for over ${limit} s (they keep their locks and hold back VACUUM): ` +
      sessions.map((s) => `pid ${s.pid} (${who(s)}) idle ${seconds(s.idle_seconds)}, last query: ${oneLine(s.query)}`).join('; '),
    remedy:
      `fix the application so it commits or rolls back promptly; end the session now with ${pids.map((pid) => `SELECT pg_terminate_backend(${pid})`).join('; ')}; ` +
      "or have the server do it: ALTER ROLE <role> SET idle_in_transaction_session_timeout = '5min'",
    details,
  };
}

interface RunningQuery {
  pid: number;
  user: string | null;
  application: string | null;
  running_seconds: number;
  wait_event_type: string | null;
  wait_event: string | null;
  query: string | null;
}

async function longQueries(client: pg.PoolClient, thresholds: ConnectionThresholds): Promise<CheckResult> {
  const limit = thresholds.longQuerySeconds;
  const queries = withStatementsShown((await client.query<RunningQuery>(LONG_QUERIES, [limit])).rows);
  const details = { thresholdSeconds: limit, queries };
  if (queries.length === 0)
    return {
      id: 'connections.long-queries',
      status: 'pass',
      summary: `no statement in this database running for over ${limit} s`,
      details,
    };
  return {
    id: 'connections.long-queries',
    status: 'warn',
    summary:
      `${queries.length} statement(s) running for over ${limit} s: ` +
      queries
        .map(
          (q) =>
            `pid ${q.pid} (${who(q)}) ${seconds(q.running_seconds)}${q.wait_event ? `, waiting on ${q.wait_event_type}/${q.wait_event}` : ''}: ${oneLine(q.query)}`,
        )
        .join('; '),
    remedy:
      `if it should not take that long, cancel it with ${queries.map((q) => `SELECT pg_cancel_backend(${q.pid})`).join('; ')} ` +
      '(see locks.blocked when it waits on a lock), and bound it with statement_timeout for the role that runs it',
    details,
  };
}

function sum(groups: readonly SessionGroup[]): number {
  return groups.reduce((total, group) => total + group.sessions, 0);
}

function tally(groups: readonly SessionGroup[], key: (group: SessionGroup) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const group of groups) counts[key(group)] = (counts[key(group)] ?? 0) + group.sessions;
  return counts;
}

function listed(counts: Record<string, number>): string {
  return (
    Object.entries(counts)
      .sort(([, a], [, b]) => b - a)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ') || 'none'
  );
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}
