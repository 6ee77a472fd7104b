/**
 * What the configuration check reads (configuration.ts): the connections others hold,
 * and the server-side timeouts optdb's sessions run with.
 */

/**
 * The client connections others hold now (the server's slots come from the doctor
 * context). optdb's own connections ($1: application_name 'optdb', this doctor's included)
 * are what the pool needs, so they do not count against it. Without pg_read_all_stats,
 * other users' sessions show with every column NULL (backend_type too): they are someone
 * else's, so they count.
 */
export const USED_BY_OTHERS = `
  SELECT count(*)::int AS used_by_others FROM pg_stat_activity
  WHERE (backend_type = 'client backend' OR backend_type IS NULL)
    AND application_name IS DISTINCT FROM $1`;

/**
 * Run before TIMEOUTS, in the same transaction: doctor's own SET LOCAL timeouts
 * (bounded-pool.ts) would show instead, with source `session`.
 */
export const SESSION_DEFAULTS = ['statement_timeout', 'lock_timeout'].map((name) => `SET LOCAL ${name} TO DEFAULT`);

/** The timeouts this connection runs with, and where each comes from (database, user, …). */
export const TIMEOUTS = `
  SELECT name, setting::bigint AS ms, source, quote_ident(current_user) AS role, quote_ident(current_database()) AS database
  FROM pg_settings
  WHERE name IN ('statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout')
  ORDER BY name DESC`;
