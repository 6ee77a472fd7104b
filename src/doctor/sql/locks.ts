/**
 * What the locks check reads: the knowledge base's `SELECT * FROM pg_locks WHERE NOT
 * granted`, joined to the sessions involved and to pg_blocking_pids(), for the current
 * database (the sessions optdb's writes can wait on).
 */

/**
 * Every session of this database waiting for a lock (a session waits for one lock at a
 * time: one row each). pg_locks.waitstart (PostgreSQL 14+) can be NULL for an instant
 * after the wait begins; the statement's start stands in for it then.
 */
export const WAITING_SESSIONS = `
  SELECT a.pid, a.usename AS user, a.application_name AS application, left(a.query, 200) AS query,
         extract(epoch FROM now() - coalesce(l.waitstart, a.query_start))::float8 AS wait_seconds,
         l.locktype, l.mode, l.relation::regclass::text AS relation,
         pg_blocking_pids(a.pid) AS blocking_pids
  FROM pg_locks l
  JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE NOT l.granted AND a.datname = current_database()
  ORDER BY wait_seconds DESC`;

/** The sessions holding those locks ($1: their pids). */
export const BLOCKING_SESSIONS = `
  SELECT pid, usename AS user, application_name AS application, state, left(query, 200) AS query,
         extract(epoch FROM now() - xact_start)::float8 AS transaction_seconds,
         extract(epoch FROM now() - state_change)::float8 AS state_seconds
  FROM pg_stat_activity
  WHERE pid = ANY($1::int[])`;
