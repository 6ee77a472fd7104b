/**
 * What the connections checks read from pg_stat_activity.
 *
 * Slot usage is server-wide (every database shares max_connections); idle transactions
 * and long queries are looked at in the current database only: those are the sessions
 * whose locks and snapshots get in optdb's way, and the other databases of a shared
 * server belong to applications optdb cannot judge.
 */

/**
 * The client slots (read once per run, for the configuration check too: connection-slots.ts).
 * reserved_connections is new in PostgreSQL 16 (NULL before, with missing_ok).
 */
export const CONNECTION_SLOTS = `
  SELECT current_setting('max_connections')::int AS max_connections,
         current_setting('superuser_reserved_connections')::int AS superuser_reserved,
         coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved`;

/**
 * Client sessions by state and application. Walsenders, autovacuum and parallel workers
 * have slots of their own, so only client backends count. Without pg_read_all_stats a
 * role sees other users' sessions with every column NULL: those are counted apart.
 */
export const SESSIONS_BY_STATE_AND_APPLICATION = `
  SELECT backend_type IS NULL AS hidden,
         coalesce(state, 'unknown') AS state,
         CASE WHEN pid = pg_backend_pid() THEN 'optdb doctor (this check)'
              ELSE coalesce(nullif(application_name, ''), '(none)') END AS application,
         count(*)::int AS sessions
  FROM pg_stat_activity
  WHERE backend_type = 'client backend' OR backend_type IS NULL
  GROUP BY 1, 2, 3`;

/** Sessions left idle inside a transaction for longer than $1 seconds. */
export const IDLE_IN_TRANSACTION = `
  SELECT pid, usename AS user, application_name AS application, state,
         extract(epoch FROM now() - state_change)::float8 AS idle_seconds,
         extract(epoch FROM now() - xact_start)::float8 AS transaction_seconds,
         left(query, 200) AS query
  FROM pg_stat_activity
  WHERE datname = current_database()
    AND state IN ('idle in transaction', 'idle in transaction (aborted)')
    AND state_change < now() - make_interval(secs => $1)
  ORDER BY state_change`;

/** Statements running for longer than $1 seconds (this check's own excluded). */
export const LONG_QUERIES = `
  SELECT pid, usename AS user, application_name AS application,
         extract(epoch FROM now() - query_start)::float8 AS running_seconds,
         wait_event_type, wait_event, left(query, 200) AS query
  FROM pg_stat_activity
  WHERE datname = current_database()
    AND backend_type = 'client backend'
    AND state = 'active'
    AND pid <> pg_backend_pid()
    AND query_start < now() - make_interval(secs => $1)
  ORDER BY query_start`;
