/**
 * Whether a URL reaches PostgreSQL through a connection pooler, and in which pool mode.
 *
 * Nothing in the wire protocol says "I am a pooler", so the evidence is circumstantial:
 * - the URL: a Neon `-pooler` host (Neon runs PgBouncer in transaction mode there), or port 6432,
 *   PgBouncer's default;
 * - the server: `inet_server_port()` is the port the PostgreSQL backend listens on; when it
 *   differs from the URL's port, something in between forwards the connection (a pooler,
 *   or a plain port forward);
 * - PgBouncer's admin console (the virtual `pgbouncer` database), when it lets us in: its
 *   version and the pool_mode of our database/user pair. It is only asked when the URL or
 *   the port already point to a pooler, so that a direct server never logs a failed login
 *   to a database called "pgbouncer".
 * When a pooler is detected but its mode cannot be read, transaction mode is assumed: it is
 * the common one (Neon, Supabase, most managed poolers) and the one that breaks the most.
 */
import pg from 'pg';
import { CONSOLE_CONFIG, CONSOLE_POOLS, CONSOLE_VERSION, SERVER_PORT } from './sql/pooler.js';

export type PoolMode = 'transaction' | 'session' | 'statement';

export interface PoolerFinding {
  readonly detected: boolean;
  readonly kind: 'neon' | 'pgbouncer' | 'proxy' | undefined;
  /** The mode to plan for: read from the pooler, or assumed ('transaction') when unknown. */
  readonly mode: PoolMode | undefined;
  /** Whether `mode` was read from the pooler itself rather than inferred. */
  readonly modeConfirmed: boolean;
  /** One line per piece of evidence, e.g. "server port 5432 ≠ URL port 6432". */
  readonly evidence: readonly string[];
  readonly urlPort: number | undefined;
  readonly serverPort: number | undefined;
  /** From the admin console: e.g. "1.18.0". */
  readonly pgbouncerVersion?: string;
  /** From the admin console's SHOW CONFIG; absent before PgBouncer 1.21. */
  readonly maxPreparedStatements?: number;
}

export interface UrlFinding {
  readonly host: string;
  readonly port: number | undefined;
  readonly neonPooler: boolean;
  readonly pgbouncerPort: boolean;
}

const PGBOUNCER_DEFAULT_PORT = 6432;
const POSTGRES_DEFAULT_PORT = 5432;
// Neon pooler hosts: `ep-<name>-<id>-pooler.<region>.aws.neon.tech` (and `.c-2.` variants).
const NEON_POOLER_HOST = /^ep-[a-z0-9-]+-pooler\./i;
const CONSOLE_TIMEOUT_MS = 3_000;

/** What the URL alone says. Never connects. */
export function poolerFromUrl(url: string): UrlFinding {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // A form node-postgres reads but WHATWG URL does not (`postgresql://user@/db?host=/tmp`): no host to judge.
    return { host: '', port: undefined, neonPooler: false, pgbouncerPort: false };
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  // A host that is a socket directory (`?host=/var/run/postgresql`) has no TCP port.
  const socketHost = parsed.searchParams.get('host')?.startsWith('/') === true;
  const port = socketHost ? undefined : parsed.port === '' ? POSTGRES_DEFAULT_PORT : Number(parsed.port);
  return { host, port, neonPooler: NEON_POOLER_HOST.test(host), pgbouncerPort: port === PGBOUNCER_DEFAULT_PORT };
}

/** The URL and the server together; `queryable` is a pool or client on `url`. */
export async function detectPooler(url: string, queryable: Pick<pg.Pool, 'query'>): Promise<PoolerFinding> {
  const fromUrl = poolerFromUrl(url);
  const evidence: string[] = [];
  if (fromUrl.neonPooler) evidence.push(`host ${fromUrl.host} is a Neon pooler endpoint (PgBouncer, transaction mode)`);
  if (fromUrl.pgbouncerPort) evidence.push(`port ${PGBOUNCER_DEFAULT_PORT} is PgBouncer's default port`);

  const { rows } = await queryable.query<{ port: number | null }>(SERVER_PORT);
  const serverPort = rows[0]?.port ?? undefined;
  const forwarded = serverPort !== undefined && fromUrl.port !== undefined && serverPort !== fromUrl.port;
  if (forwarded)
    evidence.push(`the server listens on port ${serverPort}, the URL names port ${fromUrl.port}: something forwards the connection`);

  const base = { urlPort: fromUrl.port, serverPort };
  if (evidence.length === 0) return { detected: false, kind: undefined, mode: undefined, modeConfirmed: false, evidence, ...base };
  if (fromUrl.neonPooler) return { detected: true, kind: 'neon', mode: 'transaction', modeConfirmed: false, evidence, ...base };

  const admin = await readPgBouncerConsole(url);
  if (admin) {
    evidence.push(`PgBouncer ${admin.version} admin console: pool_mode = ${admin.poolMode ?? 'not shown'}`);
    return {
      detected: true,
      kind: 'pgbouncer',
      mode: admin.poolMode ?? 'transaction',
      modeConfirmed: admin.poolMode !== undefined,
      evidence,
      ...base,
      pgbouncerVersion: admin.version,
      ...(admin.maxPreparedStatements === undefined ? {} : { maxPreparedStatements: admin.maxPreparedStatements }),
    };
  }
  return {
    detected: true,
    kind: fromUrl.pgbouncerPort ? 'pgbouncer' : 'proxy',
    mode: 'transaction',
    modeConfirmed: false,
    evidence,
    ...base,
  };
}

export interface PgBouncerConsole {
  readonly version: string;
  readonly poolMode: PoolMode | undefined;
  readonly maxPreparedStatements: number | undefined;
}

/**
 * PgBouncer's admin console at the same host and port, as the same user; undefined when it
 * does not answer (not PgBouncer, or the user is not in admin_users/stats_users). It speaks
 * only the simple query protocol: queries without parameters.
 */
async function readPgBouncerConsole(url: string): Promise<PgBouncerConsole | undefined> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(target.username);
  target.pathname = '/pgbouncer';
  const client = new pg.Client({
    connectionString: target.toString(),
    connectionTimeoutMillis: CONSOLE_TIMEOUT_MS,
    query_timeout: CONSOLE_TIMEOUT_MS,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const version = String((await client.query(CONSOLE_VERSION)).rows[0]?.version ?? '').replace(/^PgBouncer\s+/i, '');
    const pools = (await client.query<{ database: string; user: string; pool_mode?: string }>(CONSOLE_POOLS)).rows;
    const config = new Map((await client.query<{ key: string; value: string }>(CONSOLE_CONFIG)).rows.map((row) => [row.key, row.value]));
    // A database or user may override the default pool_mode; SHOW POOLS has the effective one.
    const ours = pools.find((pool) => pool.database === database && (user === '' || pool.user === user));
    const mode = ours?.pool_mode ?? config.get('pool_mode');
    const maxPrepared = config.get('max_prepared_statements');
    return { version, poolMode: asPoolMode(mode), maxPreparedStatements: maxPrepared === undefined ? undefined : Number(maxPrepared) };
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function asPoolMode(value: string | undefined): PoolMode | undefined {
  return value === 'transaction' || value === 'session' || value === 'statement' ? value : undefined;
}
