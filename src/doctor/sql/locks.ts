/**
 * What the locks check reads: the lock requests not granted (pg_locks), joined to the sessions involved and to pg_blocking_pids(), for the current
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

/**
 * Sessions holding — or queued for, ahead of whoever asks next — a lock on optdb's tables
 * ($1: their names) or their indexes in a mode that stops optdb's writes: the modes that
 * conflict with the RowExclusiveLock an INSERT takes (SHARE: CREATE INDEX; SHARE ROW
 * EXCLUSIVE; EXCLUSIVE; ACCESS EXCLUSIVE: DDL, LOCK TABLE, VACUUM FULL, TRUNCATE). An ACCESS
 * EXCLUSIVE one stops reads too, doctor's EXPLAINs and size reads included. One row per
 * session, oldest transaction first. Read from the lock manager and pg_stat_activity:
 * it takes no lock itself.
 */
export const LOCK_HOLDERS = `
  WITH optdb AS (
    SELECT to_regclass(name) AS relid FROM unnest($1::text[]) AS name
    UNION
    SELECT i.indexrelid FROM pg_index i WHERE i.indrelid IN (SELECT to_regclass(name) FROM unnest($1::text[]) AS name)
  )
  SELECT a.pid, a.usename AS user, a.application_name AS application, a.state, left(a.query, 200) AS query,
         extract(epoch FROM now() - a.xact_start)::float8 AS transaction_seconds,
         extract(epoch FROM now() - a.state_change)::float8 AS state_seconds,
         bool_and(l.granted) AS granted,
         array_agg(l.mode || ' on ' || l.relation::regclass::text ORDER BY l.relation::regclass::text, l.mode) AS locks
  FROM pg_locks l
  JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'relation'
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.relation IN (SELECT relid FROM optdb)
    AND l.mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
    AND l.pid <> pg_backend_pid()
  GROUP BY a.pid, a.usename, a.application_name, a.state, a.query, a.xact_start, a.state_change
  ORDER BY a.xact_start NULLS LAST, a.pid`;
