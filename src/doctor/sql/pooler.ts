/**
 * What pooler detection asks (pooler-detection.ts): the server its port, and PgBouncer's
 * admin console its version, pools and settings. The console speaks only the simple
 * query protocol: commands without parameters.
 */

/** The port the server itself listens on; another port in the URL means something forwards. */
export const SERVER_PORT = 'SELECT inet_server_port() AS port';

export const CONSOLE_VERSION = 'SHOW VERSION';

/** One row per database and user, with the pool_mode in effect for each. */
export const CONSOLE_POOLS = 'SHOW POOLS';

/** Key and value of every setting (pool_mode, max_prepared_statements). */
export const CONSOLE_CONFIG = 'SHOW CONFIG';
