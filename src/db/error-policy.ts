/**
 * optdb's one table of database failures and what to do about each: every catch site
 * asks this table, none decides again on its own. The write paths, `optdb doctor` and
 * `optdb explain` all read it.
 *
 * Codes are PostgreSQL SQLSTATEs — exact, or a two-character class used as a fallback —
 * plus the few failures that never reach the server: Node socket errors, node-postgres's
 * pool acquire timeout, TLS set-up. Prisma codes are translated to one of those
 * (PRISMA_EQUIVALENTS) or, better, replaced by the SQLSTATE Prisma carries inside.
 */
import { redactText } from '../redact.js';

export type ErrorAction =
  'retry' | 'split-then-retry' | 'retry-fresh-connection-then-fallback' | 'isolate-rows' | 'stop-with-remedy' | 'stop';
export type ErrorCategory = 'transient' | 'planner' | 'data' | 'schema' | 'corruption' | 'configuration' | 'unknown';

export interface ErrorPolicy {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly action: ErrorAction;
  readonly meaning: string;
  readonly remedy: string;
  /** the limit of concurrent writes should be lowered (53300, pool acquire timeout) */
  readonly lowerConcurrency: boolean;
}

export interface ClassifiedError {
  readonly policy: ErrorPolicy;
  /** the SQLSTATE or node/Prisma code the policy was chosen by */
  readonly code: string;
  readonly message: string;
  readonly cause: unknown;
}

function policy(
  code: string,
  category: ErrorCategory,
  action: ErrorAction,
  meaning: string,
  remedy: string,
  lowerConcurrency = false,
): ErrorPolicy {
  return Object.freeze({ code, category, action, meaning, remedy, lowerConcurrency });
}

const PERSISTS = 'none if a retry succeeds; if it keeps failing, run `optdb doctor`';
const RETRIES_USED_UP = 'it failed on every retry: run `optdb doctor`, which names locks, blocked sessions, connection limits and settings';
const MIGRATE = 'run `optdb migrate` against this database, then rerun';
const CREDENTIALS = "check the user name and password in DATABASE_URL (and the server's pg_hba.conf)";
const ISOLATE = 'the rejected rows are reported with this message: fix them at the source, or leave them out';

export const ERROR_POLICIES: readonly ErrorPolicy[] = Object.freeze([
  // Class 08: the connection broke or could not be made. Nothing was committed by the
  // failed statement, and the pool hands out a new connection, so the batch is retried.
  policy(
    '08',
    'transient',
    'retry',
    'connection exception: the connection to the server broke (restart, pooler, network) or could not be made',
    PERSISTS,
  ),
  policy(
    '08001',
    'transient',
    'retry',
    'sqlclient_unable_to_establish_sqlconnection: could not reach the server',
    'check that the server is up and that DATABASE_URL names the right host and port',
  ),

  // Bad rows: the statement is fine, some row in the batch is not. Splitting the batch
  // finds the offending rows; the rest are written.
  policy(
    '21000',
    'data',
    'isolate-rows',
    'cardinality_violation: "ON CONFLICT DO UPDATE command cannot affect row a second time" — one statement proposed the same key twice (the batch should have been de-duplicated, last occurrence wins)',
    ISOLATE,
  ),
  policy(
    '22',
    'data',
    'isolate-rows',
    'data exception: a value does not fit its column (bad number, out of range, too long, invalid text)',
    ISOLATE,
  ),
  policy('23', 'data', 'isolate-rows', 'integrity constraint violation: a row breaks a key, foreign key, NOT NULL or CHECK rule', ISOLATE),
  policy('23502', 'data', 'isolate-rows', 'not_null_violation: a required column is missing in a row', ISOLATE),
  policy('23503', 'data', 'isolate-rows', 'foreign_key_violation: a row refers to a contract that is not in the options table', ISOLATE),
  policy('23505', 'data', 'isolate-rows', 'unique_violation: a key already exists (two writers raced on a non-native upsert)', ISOLATE),
  policy('40002', 'data', 'isolate-rows', 'transaction_integrity_constraint_violation: a deferred constraint failed at commit', ISOLATE),

  // The server ended the session or its transaction; a new one on a new connection works.
  policy(
    '25P03',
    'transient',
    'retry',
    'idle_in_transaction_session_timeout: the server closed a session left idle inside a transaction',
    PERSISTS,
  ),
  policy(
    '40',
    'transient',
    'retry',
    'transaction rollback: the server rolled the transaction back; running it again is expected to succeed',
    PERSISTS,
  ),
  policy('40001', 'transient', 'retry', 'serialization_failure: a concurrent transaction changed the same rows', PERSISTS),
  policy('40P01', 'transient', 'retry', 'deadlock_detected: two writers waited on each other; the server cancelled this one', PERSISTS),
  policy('55P03', 'transient', 'retry', 'lock_not_available: a lock was not granted within lock_timeout', PERSISTS),
  // A timed-out batch would time out again as it is: it is split before it is retried.
  policy(
    '57014',
    'transient',
    'split-then-retry',
    'query_canceled: the statement ran past statement_timeout (or was cancelled)',
    "if it persists, lower the batch size or raise statement_timeout for optdb's role",
  ),
  policy(
    '57P01',
    'transient',
    'retry',
    'admin_shutdown: the server is shutting down or the session was terminated by an administrator',
    PERSISTS,
  ),
  policy('57P02', 'transient', 'retry', 'crash_shutdown: the server is restarting after another process crashed', PERSISTS),
  policy('57P03', 'transient', 'retry', 'cannot_connect_now: the server is starting up or in recovery', PERSISTS),
  policy('57P05', 'transient', 'retry', 'idle_session_timeout: the server closed an idle session', PERSISTS),

  // Server resources. Too many connections means optdb itself asks for too many.
  policy('53', 'transient', 'retry', 'insufficient resources on the server', PERSISTS),
  policy(
    '53300',
    'transient',
    'retry',
    'too_many_connections: the server (or pooler) refused a new connection',
    'lower OPTDB_POOL_SIZE or raise max_connections on the server',
    true,
  ),
  policy(
    '53400',
    'transient',
    'retry',
    'configuration_limit_exceeded: a server limit such as temp_file_limit was hit',
    'lower the batch size, or raise the limit named in the message',
  ),
  policy(
    '53200',
    'configuration',
    'stop-with-remedy',
    'out_of_memory: the server ran out of memory',
    'lower OPTDB_POOL_SIZE and the batch size, or give the server more memory (work_mem, max_locks_per_transaction)',
  ),
  policy(
    '53100',
    'configuration',
    'stop-with-remedy',
    'disk_full: the server has no disk space left',
    'free disk space on the server (data directory and pg_wal), then rerun',
  ),

  // XX000 "variable not found in subplan target list" is a planner bug for one statement
  // shape, fixed in minor releases, not bad data: never reject rows for it. It depends on
  // cached plans and connection state, so the same batch is tried once more on a fresh
  // connection, then with the next simpler write strategy (copy → unnest → per-row).
  policy(
    'XX000',
    'planner',
    'retry-fresh-connection-then-fallback',
    'internal_error, e.g. "variable not found in subplan target list": a PostgreSQL planner bug for this statement shape, not bad data',
    'if it recurs, run ANALYZE on the tables and upgrade PostgreSQL to its latest minor release',
  ),
  policy(
    'XX001',
    'corruption',
    'stop',
    'data_corrupted: the server found a corrupted table page',
    'stop writing; check the server (amcheck, logs) and restore from a backup if needed',
  ),
  policy(
    'XX002',
    'corruption',
    'stop',
    'index_corrupted: the server found a corrupted index',
    'stop writing; REINDEX the index named in the message after checking the server',
  ),

  // The database is not what optdb expects: no write can succeed until it is fixed.
  policy('42P01', 'schema', 'stop-with-remedy', "undefined_table: one of optdb's tables does not exist", MIGRATE),
  policy('42703', 'schema', 'stop-with-remedy', 'undefined_column: a column optdb writes does not exist', MIGRATE),
  policy('42704', 'schema', 'stop-with-remedy', 'undefined_object: a type optdb uses (e.g. an enum) does not exist', MIGRATE),
  policy('42883', 'schema', 'stop-with-remedy', 'undefined_function: a function or operator optdb uses does not exist', MIGRATE),
  policy('42P10', 'schema', 'stop-with-remedy', 'invalid_column_reference: no unique index matches an ON CONFLICT target', MIGRATE),

  // Who and where optdb connects: only the user can fix these.
  policy('28', 'configuration', 'stop-with-remedy', 'invalid authorization: the server rejected the connection', CREDENTIALS),
  policy(
    '28000',
    'configuration',
    'stop-with-remedy',
    'invalid_authorization_specification: the server does not allow this user to connect to this database',
    CREDENTIALS,
  ),
  policy('28P01', 'configuration', 'stop-with-remedy', 'invalid_password: password authentication failed', CREDENTIALS),
  policy(
    '3D000',
    'configuration',
    'stop-with-remedy',
    'invalid_catalog_name: the database named in DATABASE_URL does not exist',
    'create the database or fix its name in DATABASE_URL',
  ),
  policy(
    '42501',
    'configuration',
    'stop-with-remedy',
    "insufficient_privilege: the user may not read or write optdb's tables, or create temporary tables",
    "grant the user SELECT, INSERT and UPDATE on optdb's tables and TEMPORARY on the database (the copy strategy stages each batch in a temporary table; --strategy unnest needs none; migrations need CREATE on the schema), or connect as their owner",
  ),
  policy(
    '25006',
    'configuration',
    'stop-with-remedy',
    'read_only_sql_transaction: the server accepts no writes (a standby, or default_transaction_read_only is on)',
    'point DATABASE_URL at the primary, or turn default_transaction_read_only off; then run the same command again: what was committed is skipped',
  ),
  policy(
    '57P04',
    'configuration',
    'stop-with-remedy',
    'database_dropped: the database was dropped while optdb was connected',
    'recreate the database and run `optdb migrate`',
  ),

  // Failures outside the server.
  policy('ECONNRESET', 'transient', 'retry', 'the connection was reset (server restart, pooler, network)', PERSISTS),
  policy(
    'ECONNREFUSED',
    'transient',
    'retry',
    'nothing accepted the connection: the server is down or restarting',
    'start the server, or fix the host and port in DATABASE_URL',
  ),
  policy('ETIMEDOUT', 'transient', 'retry', 'the network timed out talking to the server', PERSISTS),
  policy('EPIPE', 'transient', 'retry', 'the connection was closed while optdb was still writing to it', PERSISTS),
  policy('EAI_AGAIN', 'transient', 'retry', 'the host name could not be resolved right now (temporary DNS failure)', PERSISTS),
  policy(
    'ENOTFOUND',
    'configuration',
    'stop-with-remedy',
    'the host name in DATABASE_URL does not resolve',
    'fix the host name in DATABASE_URL',
  ),
  policy(
    'TLS_FAILED',
    'configuration',
    'stop-with-remedy',
    'the TLS (SSL) connection could not be set up',
    'check sslmode and the certificate settings in DATABASE_URL',
  ),
  // node-postgres gave up waiting for a free pooled connection: more writers than the
  // pool (or the server) can serve, so fewer concurrent writes is the cure.
  policy(
    'POOL_ACQUIRE_TIMEOUT',
    'transient',
    'retry',
    'no pooled connection became free within OPTDB_POOL_ACQUIRE_TIMEOUT_MS',
    'lower the write concurrency or raise OPTDB_POOL_SIZE / OPTDB_POOL_ACQUIRE_TIMEOUT_MS',
    true,
  ),
  policy(
    'P2028',
    'transient',
    'retry',
    'Prisma transaction API error: a transaction could not start in time, expired or was already closed',
    PERSISTS,
  ),
]);

/** Prisma codes that mean the same as a code above (used when no SQLSTATE is carried inside). */
export const PRISMA_EQUIVALENTS: Readonly<Record<string, string>> = Object.freeze({
  P1000: '28P01', // authentication failed
  P1001: '08001', // can't reach database server
  P1003: '3D000', // database does not exist
  P1008: 'ETIMEDOUT', // socket timeout
  P1010: '28000', // user was denied access
  P1011: 'TLS_FAILED',
  P1017: '08006', // server closed the connection
  P2000: '22001', // value too long
  P2002: '23505',
  P2003: '23503',
  P2007: '22P02', // invalid input value
  P2011: '23502',
  P2020: '22003', // value out of range
  P2021: '42P01',
  P2022: '42703',
  P2024: 'POOL_ACQUIRE_TIMEOUT', // (Prisma's own pool, before v7)
  P2034: '40001', // write conflict or deadlock
  P2037: '53300',
});

export interface DriverMessage {
  /** The message as node-postgres or pg-pool words it. */
  readonly message: string;
  readonly pattern: RegExp;
  readonly code: string;
}

/**
 * node-postgres and pg-pool errors that carry no code, recognised by their message, in
 * the order they are tried (the specific before the general). `optdb explain` knows them
 * from here too.
 */
export const DRIVER_MESSAGES: readonly DriverMessage[] = Object.freeze([
  { message: 'timeout exceeded when trying to connect', pattern: /timeout exceeded when trying to connect/i, code: 'POOL_ACQUIRE_TIMEOUT' },
  // pg-pool's connectionTimeoutMillis (our acquire timeout) ran out while opening a connection.
  {
    message: 'Connection terminated due to connection timeout',
    pattern: /Connection terminated due to connection timeout/i,
    code: 'POOL_ACQUIRE_TIMEOUT',
  },
  { message: 'Connection terminated unexpectedly', pattern: /Connection terminated(?! due to connection timeout)/i, code: '08006' },
  {
    message: 'Client has encountered a connection error and is not queryable',
    pattern: /Client has encountered a connection error and is not queryable/i,
    code: '08003',
  },
  {
    message: 'The server does not support SSL connections',
    pattern: /The server does not support SSL connections|There was an error establishing an SSL connection/i,
    code: 'TLS_FAILED',
  },
]);

const BY_CODE: ReadonlyMap<string, ErrorPolicy> = new Map(ERROR_POLICIES.map((entry) => [entry.code, entry]));
const SQLSTATE = /^[0-9A-Z]{5}$/;
// Prisma's codes are P1xxx–P6xxx; SQLSTATE class P0 (PL/pgSQL, e.g. P0001) is not Prisma's.
const PRISMA_CODE = /^P[1-9][0-9]{3}$/;
const MAX_CAUSE_DEPTH = 5;

/** The policy for a code: exact, then Prisma equivalent, then the SQLSTATE's class. */
/** The remedy once a batch has failed for good: for a transient error, the retries are spent. */
export function remedyAfterRetries(policy: ErrorPolicy): string {
  return policy.remedy === PERSISTS ? RETRIES_USED_UP : policy.remedy;
}

export function policyFor(code: string): ErrorPolicy | undefined {
  const normalized = code.trim().toUpperCase();
  const resolved = PRISMA_EQUIVALENTS[normalized] ?? normalized;
  const exact = BY_CODE.get(resolved);
  if (exact) return exact;
  return SQLSTATE.test(resolved) && !PRISMA_CODE.test(resolved) ? BY_CODE.get(resolved.slice(0, 2)) : undefined;
}

/** What to do about any thrown value. Never throws; the message has credentials masked. */
export function classifyError(error: unknown): ClassifiedError {
  try {
    const found = search(error, 0);
    const code = found?.code ?? 'UNKNOWN';
    const message = redactText(found?.message ?? messageOf(error));
    return { policy: policyFor(code) ?? unknownPolicy(code, message), code, message, cause: error };
  } catch {
    return {
      policy: unknownPolicy('UNKNOWN', 'the error could not be inspected'),
      code: 'UNKNOWN',
      message: 'the error could not be inspected',
      cause: error,
    };
  }
}

function unknownPolicy(code: string, message: string): ErrorPolicy {
  return policy(
    code,
    'unknown',
    'stop',
    `no policy for ${code}: ${message}`,
    'not a failure optdb knows how to handle: read the message, fix the cause and rerun',
  );
}

interface Found {
  readonly code: string;
  readonly message: string;
}

type Bag = Record<string, unknown>;

function isBag(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The first code with a policy, looking at the error, then AggregateError members, then `.cause`. */
function search(error: unknown, depth: number): Found | undefined {
  if (depth > MAX_CAUSE_DEPTH || !isBag(error)) return undefined;
  const own = ownCode(error);
  if (own && policyFor(own.code)) return own;
  let inner: Found | undefined;
  if (Array.isArray(error.errors)) {
    for (const member of error.errors) {
      const found = search(member, depth + 1);
      if (found && policyFor(found.code)) return found;
      inner ??= found;
    }
  }
  const fromCause = search(error.cause, depth + 1);
  if (fromCause && policyFor(fromCause.code)) return fromCause;
  return own ?? inner ?? fromCause;
}

/** The code one error object carries itself (without following `.cause`). */
function ownCode(error: Bag): Found | undefined {
  const code = text(error.code);
  if (code && PRISMA_CODE.test(code)) return prismaCode(error, code);
  if (error.name === 'DriverAdapterError' && isBag(error.cause)) return adapterCode(error.cause, messageOf(error));
  const message = messageOf(error);
  const fromPayload = typeof error.kind === 'string' ? adapterCode(error, message) : undefined;
  if (fromPayload) return fromPayload;
  if (code) return { code, message }; // node-postgres DatabaseError (SQLSTATE) or a Node system error
  const known = DRIVER_MESSAGES.find(({ pattern }) => pattern.test(message));
  return known ? { code: known.code, message } : undefined;
}

/**
 * A PrismaClientKnownRequestError. Under @prisma/adapter-pg its `meta.driverAdapterError`
 * is a DriverAdapterError whose `cause` is `{ kind, originalCode, originalMessage, … }`
 * (originalCode is the SQLSTATE); P2010 and P2039 say nothing more without it.
 */
function prismaCode(error: Bag, code: string): Found {
  const message = lastLine(messageOf(error));
  const meta = isBag(error.meta) ? error.meta : {};
  const adapterError = meta.driverAdapterError;
  if (isBag(adapterError)) {
    const found = adapterCode(isBag(adapterError.cause) ? adapterError.cause : adapterError, message);
    if (found) return found;
  }
  const metaCode = text(meta.code); // older engines put the database code here
  if (metaCode && SQLSTATE.test(metaCode)) return { code: metaCode, message: text(meta.message) ?? message };
  const quoted = /Code: `([0-9A-Z]{5})`/.exec(messageOf(error))?.[1]; // "Raw query failed. Code: `22012`. …"
  return { code: quoted ?? code, message };
}

/** A driver adapter's error payload: the SQLSTATE when there is one, else its kind. */
function adapterCode(payload: Bag, fallbackMessage: string): Found | undefined {
  const message = text(payload.originalMessage) ?? text(payload.reason) ?? fallbackMessage;
  const original = text(payload.originalCode) ?? (payload.kind === 'postgres' ? text(payload.code) : undefined);
  if (original && SQLSTATE.test(original)) return { code: original, message };
  switch (payload.kind) {
    case 'DatabaseNotReachable': {
      // adapter-pg folds ENOTFOUND and ECONNREFUSED into one kind; only a refused TCP
      // connection has a port (a Unix socket's host is a path).
      const host = text(payload.host);
      const notResolved = payload.port === undefined && host !== undefined && !host.startsWith('/');
      return { code: notResolved ? 'ENOTFOUND' : 'P1001', message };
    }
    case 'ConnectionClosed':
      return { code: 'P1017', message };
    case 'SocketTimeout':
      return { code: 'P1008', message };
    case 'TlsConnectionError':
      return { code: 'TLS_FAILED', message };
    default:
      return undefined;
  }
}

function messageOf(error: unknown): string {
  if (isBag(error)) return text(error.message) ?? text(error.name) ?? text(error.kind) ?? 'error';
  return String(error);
}

// Prisma prefixes the database's message with the call site ("Invalid `prisma.x()`
// invocation in … → 35 …"); the last line is the error itself.
function lastLine(message: string): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.at(-1) ?? message;
}
