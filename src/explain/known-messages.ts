/**
 * Messages people paste from a PostgreSQL + Prisma + PgBouncer/Neon pipeline, recognised
 * by pattern and tied to the code optdb classifies them by (a SQLSTATE, or one of
 * error-policy.ts's codes for failures outside the server). Prisma's own messages live
 * with its codes (prisma-codes.ts).
 *
 * Meaning and triggers are given where the message says more than its code; otherwise the
 * code's are shown. A remedy is given only where it is more precise than the code's.
 */
import { DRIVER_MESSAGES } from '../db/error-policy.js';

export interface KnownMessage {
  /**
   * the message as the server, driver or pooler prints it, example names filled in: shown
   * only where no message was pasted (a fragment of it was typed, or it is suggested)
   */
  readonly message: string;
  /**
   * Recognises the message in pasted text. Its match is the whole message, names
   * included, so that what was pasted can be quoted; named groups catch the names a
   * remedy uses.
   */
  readonly pattern: RegExp;
  readonly code: string;
  readonly meaning?: string;
  readonly triggers?: readonly string[];
  readonly remedy?: string;
  /** the remedy with the names the pasted message gave; undefined when it gave none */
  readonly remedyNaming?: (names: MessageNames) => string | undefined;
}

export type MessageNames = Readonly<Partial<Record<string, string>>>;

/** A known message found in pasted text. */
export interface FoundMessage {
  readonly entry: KnownMessage;
  /** the message as pasted, the user's names in it */
  readonly text: string;
  readonly names: MessageNames;
}

/**
 * A remedy naming what the pasted message named: the first template whose {names} the
 * message gave, each name in double quotes as PostgreSQL writes it.
 */
function naming(...templates: readonly string[]): (names: MessageNames) => string | undefined {
  return (names) => {
    const fits = templates.find((template) => [...template.matchAll(/\{(\w+)\}/g)].every((hole) => names[hole[1]!] !== undefined));
    return fits?.replace(/\{(\w+)\}/g, (_hole, name: string) => `"${names[name]}"`);
  };
}

// error-policy.ts's remedy for bad credentials (28000, 28P01), naming the user.
const CREDENTIALS = naming("check the user name ({user}) and password in DATABASE_URL (and the server's pg_hba.conf)");

const PG_HBA_SSL = 'if the message says "no encryption" or "SSL off" and the server only allows SSL, add sslmode=require to DATABASE_URL';

const POOLER_STATEMENTS =
  'optdb (Prisma 7 with adapter-pg) sends unnamed statements and is not affected unless statementNameGenerator is set. Otherwise: PgBouncer ≥ 1.21 with max_prepared_statements > 0, session pooling, or the direct (non-pooler) URL; with Prisma ≤ 6 add ?pgbouncer=true';

const NO_SSL = {
  meaning: 'TLS was required by the client but the server does not offer it',
  remedy: 'drop sslmode=require from DATABASE_URL for a server without SSL (local only), or enable ssl on the server',
};

/** What the driver's own messages (error-policy.ts's DRIVER_MESSAGES) say beyond their code. */
const DRIVER_NOTES: Readonly<Record<string, Partial<KnownMessage>>> = {
  'timeout exceeded when trying to connect': {
    meaning: "node-postgres's pool gave up waiting for a free connection (connectionTimeoutMillis)",
    triggers: [
      'more concurrent writers than pool connections',
      'long transactions holding connections',
      'a server slow to accept new connections',
    ],
  },
  'Connection terminated due to connection timeout': {
    meaning: "node-postgres's connectionTimeoutMillis ran out while opening a new connection",
  },
  // The policy table needs only the first words; a quote needs the whole message.
  'Connection terminated unexpectedly': {
    meaning: 'node-postgres: the server side closed the connection without a goodbye',
    pattern: /Connection terminated(?! due to connection timeout)(?: unexpectedly)?/i,
  },
  'The server does not support SSL connections': NO_SSL,
};

export const KNOWN_MESSAGES: readonly KnownMessage[] = Object.freeze([
  // node-postgres's and pg-pool's own, as the policy table recognises them.
  ...DRIVER_MESSAGES.map((entry) => ({ ...entry, ...DRIVER_NOTES[entry.message] })),

  // The planner error optdb's flat statements are built to avoid.
  {
    message: 'variable not found in subplan target list',
    pattern: /variable not found in subplan target list/i,
    code: 'XX000',
    meaning: 'a PostgreSQL planner bug for one statement shape, not bad data: the same rows written with a simpler statement succeed',
    triggers: [
      'an upsert with a nested connect (or any nested write): Prisma runs SELECT then INSERT/UPDATE with subqueries instead of one INSERT … ON CONFLICT',
      'partitionwise joins with lateral references (fixed in 15.6 / 16.2); IS NULL on a NOT NULL column (fixed in 17.1); MERGE (fixed in 15.3)',
      'it shows under load because the plan follows statistics and cached plans; lowering concurrency only hides it',
    ],
    remedy:
      'write with a flat statement (assign the foreign key directly instead of a nested connect, or one INSERT … ON CONFLICT, unnest or COPY as optdb does), run ANALYZE on the tables, and upgrade PostgreSQL to its latest minor release',
  },
  {
    message: 'missing chunk number 0 for toast value 123 in pg_toast_2619',
    pattern: /missing chunk number \d+ for toast value(?: \d+ in [\w.]+)?/i,
    code: 'XX000',
    meaning: 'a TOAST (out-of-line value) chunk is missing: data corruption, not a planner bug',
    triggers: ['hardware or filesystem faults', 'a crash with fsync off'],
    remedy: 'stop writing to the table; check the server (amcheck, logs) and restore the damaged rows from a backup',
  },
  {
    message: 'cache lookup failed for relation 16384',
    pattern: /cache lookup failed for(?: [a-z ]+ \d+(?: of relation \d+)?)?/i,
    code: 'XX000',
    meaning: 'the server looked up a catalogue entry that vanished',
    triggers: ['DDL (DROP, ALTER) on an object while other sessions use it', 'a server bug fixed in a minor release'],
  },
  {
    message: 'invalid page in block 42 of relation base/16384/16385',
    pattern: /invalid page in block \d+(?: of relation [\w/.]+)?/i,
    code: 'XX001',
  },

  // Prepared statements behind a transaction pooler.
  {
    message: 'prepared statement "s0" already exists',
    pattern: /prepared statement "[^"\n]*" already exists/i,
    code: '42P05',
    remedy: POOLER_STATEMENTS,
  },
  {
    message: 'prepared statement "s0" does not exist',
    pattern: /(?<!unnamed )prepared statement "[^"\n]+" does not exist/i,
    code: '26000',
    remedy: POOLER_STATEMENTS,
  },
  {
    message: 'unnamed prepared statement does not exist',
    pattern: /unnamed prepared statement does not exist/i,
    code: '26000',
    meaning: 'the Parse and the Bind of one query reached different server connections',
    triggers: [
      'query pipelining through a pooler in statement or transaction mode',
      'a pooler that reset the connection between the two messages',
    ],
    remedy: 'do not pipeline queries outside a transaction behind a pooler; use session pooling or the direct URL for such clients',
  },
  {
    message: 'bind message supplies 2 parameters, but prepared statement "s3" requires 3',
    pattern: /bind message supplies \d+ parameters?, but prepared statement "[^"\n]*" requires \d+/i,
    code: '08P01',
    meaning: 'a statement name was reused with different SQL: behind a transaction pooler another client prepared the same name',
    remedy: POOLER_STATEMENTS,
  },
  { message: 'cached plan must not change result type', pattern: /cached plan must not change result type/i, code: '0A000' },
  {
    message: 'currval of sequence "options_id_seq" is not yet defined in this session',
    pattern: /currval of sequence "[^"\n]*" is not yet defined in this session/i,
    code: '55000',
    meaning: 'currval() reads a value nextval() set earlier in the same session',
    triggers: ['nextval and currval ran on different server connections behind a transaction pooler'],
    remedy: 'use INSERT … RETURNING id instead of currval()',
  },

  // Duplicate keys in one statement.
  {
    message: 'ON CONFLICT DO UPDATE command cannot affect row a second time',
    pattern: /(?:(?:ON CONFLICT DO UPDATE|MERGE) command )?cannot affect row a second time/i,
    code: '21000',
    remedy:
      'de-duplicate each batch on the conflict key before the statement (last occurrence wins); optdb does this itself, and any row it still refuses is reported as a reject',
  },
  {
    message: 'there is no unique or exclusion constraint matching the ON CONFLICT specification',
    pattern: /(?:there is )?no unique or exclusion constraint matching the ON CONFLICT specification/i,
    code: '42P10',
  },

  // Connections: too many.
  {
    message: 'sorry, too many clients already',
    pattern: /(?:sorry, )?too many clients already/i,
    code: '53300',
    meaning: 'the server is at max_connections and refused this connection',
  },
  {
    message: 'remaining connection slots are reserved for roles with the SUPERUSER attribute',
    pattern: /remaining connection slots are reserved(?: for (?:roles with privileges of the "[^"\n]*" role|[\w -]*\w))?/i,
    code: '53300',
    meaning: 'only the slots reserved for superusers (superuser_reserved_connections, reserved_connections) are left',
  },
  {
    message: 'too many connections for role "optdb"',
    pattern: /too many connections for (?:role(?: "(?<role>[^"\n]*)")?|database(?: "(?<database>[^"\n]*)")?)/i,
    code: '53300',
    meaning: 'the role or database has a CONNECTION LIMIT and reached it',
    remedy: 'lower OPTDB_POOL_SIZE, or raise the limit (ALTER ROLE … CONNECTION LIMIT)',
    remedyNaming: naming(
      'lower OPTDB_POOL_SIZE, or raise the limit (ALTER ROLE {role} CONNECTION LIMIT …)',
      'lower OPTDB_POOL_SIZE, or raise the limit (ALTER DATABASE {database} CONNECTION LIMIT …)',
    ),
  },
  {
    message: 'no more connections allowed (max_client_conn)',
    pattern: /no more connections allowed \(max_client_conn\)/i,
    code: '08P01',
    meaning: 'PgBouncer refused the client: it already has max_client_conn clients',
    remedy: 'lower the pool size of the clients, or raise max_client_conn in pgbouncer.ini',
  },
  {
    message: 'query_wait_timeout',
    pattern: /query_wait_timeout/i,
    code: '08P01',
    meaning: 'PgBouncer gave up: the client waited longer than query_wait_timeout for a server connection',
    triggers: ['more concurrent clients than default_pool_size server connections', 'long transactions holding server connections'],
    remedy: 'lower the write concurrency, or raise default_pool_size / query_wait_timeout in pgbouncer.ini',
  },
  {
    message: 'unsupported startup parameter: search_path',
    pattern: /unsupported startup parameter(?: in options)?(?:: [\w.-]+)?/i,
    code: '08P01',
    meaning: "PgBouncer (or Neon's pooler) refused a parameter sent when connecting",
    triggers: ['options=-c … or search_path / statement_timeout in the connection URL'],
    remedy:
      "remove the parameter from the URL (set it per transaction instead), add it to PgBouncer's ignore_startup_parameters, or use the direct URL",
  },

  // Connections: lost.
  {
    message: 'server closed the connection unexpectedly',
    pattern: /server closed the connection unexpectedly/i,
    code: '08006',
    meaning: 'libpq (psql): the server side closed the connection, probably because the backend terminated',
  },
  {
    message: 'terminating connection due to administrator command',
    pattern: /terminating connection due to administrator command/i,
    code: '57P01',
  },
  {
    message: 'terminating connection due to idle-in-transaction timeout',
    pattern: /(?:terminating connection due to )?idle[- ]in[- ]transaction(?: session)? timeout/i,
    code: '25P03',
  },
  {
    message: 'terminating connection due to idle-session timeout',
    pattern: /(?:terminating connection due to )?idle[- ]session timeout/i,
    code: '57P05',
  },
  {
    message: 'the database system is starting up',
    pattern: /the database system is (starting up|shutting down|in recovery mode|not yet accepting connections|not accepting connections)/i,
    code: '57P03',
  },
  {
    message: 'connect ECONNREFUSED 127.0.0.1:5432',
    pattern: /(?:connect )?ECONNREFUSED(?: [\w.:[\]%]+)?|Connection refused/i,
    code: 'ECONNREFUSED',
    meaning: 'nothing listens at that host and port',
    triggers: [
      'the server is not running or still starting',
      'a wrong port (5432 direct, 6432 PgBouncer)',
      'listen_addresses does not include the interface',
    ],
  },

  // Timeouts and locks.
  { message: 'canceling statement due to statement timeout', pattern: /canceling statement due to statement timeout/i, code: '57014' },
  {
    message: 'canceling statement due to user request',
    pattern: /canceling statement due to user request/i,
    code: '57014',
    meaning: 'a cancel request stopped the statement',
    triggers: [
      'Ctrl-C in psql or the client',
      'pg_cancel_backend() by an administrator',
      'a client-side query timeout that sends a cancel',
    ],
  },
  { message: 'canceling statement due to lock timeout', pattern: /canceling statement due to lock timeout/i, code: '55P03' },
  {
    message: 'could not obtain lock on row in relation "option_snapshots"',
    pattern: /could not obtain lock on (?:row(?: in relation)?|relation)(?: "[^"\n]*")?/i,
    code: '55P03',
    meaning: 'a NOWAIT lock request found the row or table locked',
  },
  { message: 'deadlock detected', pattern: /deadlock detected/i, code: '40P01' },
  {
    message: 'could not serialize access due to concurrent update',
    pattern: /could not serialize access(?: due to [\w/ ]*\w)?/i,
    code: '40001',
  },
  {
    message: 'canceling statement due to conflict with recovery',
    pattern: /canceling statement due to conflict with recovery/i,
    code: '40001',
    meaning: 'a hot standby cancelled a query that blocked WAL replay',
    remedy: 'run long reads on the primary, or enable hot_standby_feedback / raise max_standby_streaming_delay on the standby',
  },
  {
    message: 'current transaction is aborted, commands ignored until end of transaction block',
    pattern: /current transaction is aborted, commands ignored(?: until end of transaction block)?/i,
    code: '25P02',
  },
  { message: 'cannot execute INSERT in a read-only transaction', pattern: /cannot execute \w+ in a read-only transaction/i, code: '25006' },

  // Who and where.
  {
    message: 'no pg_hba.conf entry for host "10.0.0.5", user "optdb", database "optdb", no encryption',
    pattern:
      /no pg_hba\.conf entry for(?: replication connection from)?(?: host "(?<host>[^"\n]*)", user "(?<user>[^"\n]*)"(?:, database "(?<database>[^"\n]*)")?(?:, (?:no encryption|SSL off|SSL on|SSL encryption|GSS encryption))?)?/i,
    code: '28000',
    meaning: 'the server has no pg_hba.conf rule letting this host, user and database connect (with or without SSL, as the message says)',
    remedy: `add a pg_hba.conf line for this host, user and database and reload the server; ${PG_HBA_SSL}`,
    remedyNaming: naming(
      `add a pg_hba.conf line for host {host}, user {user} and database {database} and reload the server; ${PG_HBA_SSL}`,
      `add a pg_hba.conf line for host {host} and user {user} and reload the server; ${PG_HBA_SSL}`,
    ),
  },
  {
    message: 'password authentication failed for user "optdb"',
    pattern: /password authentication failed for user(?: "(?<user>[^"\n]*)")?/i,
    code: '28P01',
    remedyNaming: CREDENTIALS,
  },
  {
    message: 'role "optdb" does not exist',
    pattern: /role "(?<user>[^"\n]*)" does not exist/i,
    code: '28000',
    meaning: 'the user in the URL is not a role on this server',
    remedyNaming: CREDENTIALS,
  },
  {
    message: 'database "optdb" does not exist',
    pattern: /database "(?<database>[^"\n]*)" does not exist/i,
    code: '3D000',
    remedyNaming: naming('create the database {database} or fix its name in DATABASE_URL'),
  },
  {
    message: 'permission denied for table option_snapshots',
    pattern:
      /permission denied for (?:table|relation|schema|sequence|database|function)(?: [\w."$]+)?|must be owner of(?: (?:[a-z]+ )*[\w."$]+)?/i,
    code: '42501',
  },
  {
    message: 'SSL is not enabled on the server',
    pattern: /SSL is not enabled on the server|(?<!The )server does not support SSL(?:, but SSL was required)?/i,
    code: 'TLS_FAILED',
    ...NO_SSL,
  },
  {
    message: 'self-signed certificate in certificate chain',
    pattern:
      /self[- ]signed certificate(?: in certificate chain)?|unable to verify the first certificate|unable to get local issuer certificate/i,
    code: 'TLS_FAILED',
    meaning: "the server's certificate is not signed by a CA the client trusts",
    remedy: "give the server's CA with sslrootcert=… in DATABASE_URL; node-postgres currently treats sslmode=require as verify-full",
  },

  // The schema.
  { message: 'relation "option_snapshots" does not exist', pattern: /relation "[^"\n]*" does not exist/i, code: '42P01' },
  {
    message: 'column "implied_volatility" of relation "option_snapshots" does not exist',
    pattern: /column "[^"\n]*"(?: of relation "[^"\n]*")? does not exist/i,
    code: '42703',
  },
  { message: 'type "contract_type" does not exist', pattern: /type "[^"\n]*" does not exist/i, code: '42704' },
  { message: 'function gen_random_uuid() does not exist', pattern: /function [\w."]+\(.*?\) does not exist/i, code: '42883' },
  {
    message: 'could not determine data type of parameter $1',
    pattern: /could not determine data type of parameter(?: \$\d+)?/i,
    code: '42P18',
  },
  {
    message: 'cannot insert multiple commands into a prepared statement',
    pattern: /cannot insert multiple commands into a prepared statement/i,
    code: '42601',
    meaning: 'several SQL statements were sent as one parameterised query',
    remedy: 'send one statement per query (or use a simple query without parameters)',
  },
  { message: 'syntax error at or near "RETURNING"', pattern: /syntax error at or near(?: "[^"\n]*")?/i, code: '42601' },

  // Bad values and constraints.
  {
    message: 'duplicate key value violates unique constraint "option_snapshots_pkey"',
    pattern: /duplicate key value violates unique constraint(?: "[^"\n]*")?/i,
    code: '23505',
  },
  {
    message: 'insert or update on table "option_snapshots" violates foreign key constraint "option_snapshots_ticker_fkey"',
    pattern:
      /(?:(?:insert or update|update or delete) on table "[^"\n]*" )?violates foreign key constraint(?: "[^"\n]*"(?: on table "[^"\n]*")?)?/i,
    code: '23503',
  },
  {
    message: 'null value in column "strike" of relation "options" violates not-null constraint',
    pattern: /(?:null value in column "[^"\n]*"(?: of relation "[^"\n]*")? )?violates not-null constraint/i,
    code: '23502',
  },
  {
    message: 'new row for relation "options" violates check constraint "options_strike_check"',
    pattern: /(?:new row for relation "[^"\n]*" )?violates check constraint(?: "[^"\n]*")?/i,
    code: '23514',
  },
  { message: 'value too long for type character varying(32)', pattern: /value too long for type(?: [a-z ]+\(\d+\))?/i, code: '22001' },
  {
    message: 'numeric field overflow',
    pattern:
      /numeric field overflow|(?:integer|bigint|smallint) out of range|(?:value "[^"\n]*" )?is out of range for type(?: double precision| \w+)?/i,
    code: '22003',
  },
  {
    message: 'invalid input syntax for type numeric: "N/A"',
    pattern: /invalid input syntax for type(?: [\w ]+?: "[^"\n]*")?|invalid input value for enum(?: [\w."]+: "[^"\n]*")?/i,
    code: '22P02',
  },
  {
    message: 'invalid byte sequence for encoding "UTF8": 0x00',
    pattern: /invalid byte sequence for encoding(?: "[^"\n]*": 0x[0-9a-f]+(?: 0x[0-9a-f]+)*)?/i,
    code: '22021',
  },
  {
    message: 'unsupported Unicode escape sequence',
    pattern: /unsupported Unicode escape sequence/i,
    code: '22P05',
    meaning: 'a \\u0000 escape cannot be stored in jsonb or text',
    remedy: 'strip \\u0000 from the JSON before writing it',
  },
  {
    message: 'date/time field value out of range: "2023-13-01"',
    pattern: /(?:date\/time field value|timestamp) out of range(?:: "[^"\n]*")?/i,
    code: '22008',
  },

  // Server resources and limits.
  {
    message: 'could not resize shared memory segment "/PostgreSQL.123" to 8388608 bytes: No space left on device',
    pattern: /could not resize shared memory segment(?: "[^"\n]*" to \d+ bytes(?:: No space left on device)?)?/i,
    code: '53100',
    meaning: "the server's shared memory (/dev/shm) is full, not its disk",
    triggers: ["Docker's default 64 MB /dev/shm with parallel queries"],
    remedy: 'give the container more shared memory (--shm-size=1g) or set max_parallel_workers_per_gather = 0',
  },
  {
    message: 'could not extend file "base/16384/16385": No space left on device',
    pattern: /could not extend file(?: "[^"\n]*")?(?:: No space left on device)?|No space left on device/i,
    code: '53100',
  },
  {
    message: 'out of shared memory',
    pattern: /out of shared memory/i,
    code: '53200',
    meaning: 'the shared lock table is full (HINT: You might need to increase max_locks_per_transaction)',
    remedy: 'touch fewer partitions per transaction, or raise max_locks_per_transaction (needs a restart)',
  },
  { message: 'out of memory', pattern: /(?<!heap )\bout of memory\b/i, code: '53200' },
  {
    message: 'temporary file size exceeds temp_file_limit (1048576kB)',
    pattern: /temporary file size exceeds temp_file_limit(?: \(\d+kB\))?/i,
    code: '53400',
  },
  {
    message: 'index row size 3000 exceeds btree version 4 maximum 2704 for index "options_note_idx"',
    pattern: /index row size \d+ exceeds(?: btree version \d+)?(?: maximum \d+ for index "[^"\n]*")?/i,
    code: '54000',
    meaning: 'a value too long to be stored in a btree index',
    remedy: 'index a hash or prefix of the value instead of the whole value',
  },
  { message: 'stack depth limit exceeded', pattern: /stack depth limit exceeded/i, code: '54001' },
  {
    message: 'database "optdb" is being accessed by other users',
    pattern: /(?:database "(?<database>[^"\n]*)" )?is being accessed by other users/i,
    code: '55006',
    meaning: 'DROP DATABASE (or a template copy) needs every other session to disconnect first',
    remedy: 'disconnect the other sessions (or DROP DATABASE … WITH (FORCE)), then retry',
    remedyNaming: naming('disconnect the other sessions (or DROP DATABASE {database} WITH (FORCE)), then retry'),
  },
]);

/** Every known message the text contains, in table order, as pasted. */
export function knownMessagesIn(text: string): readonly FoundMessage[] {
  // Prisma's debug output escapes the quotes around names: message: "relation \"x\" does not exist".
  const unescaped = text.replaceAll('\\"', '"');
  return KNOWN_MESSAGES.flatMap((entry) => {
    const match = entry.pattern.exec(unescaped);
    return match ? [{ entry, text: match[0], names: { ...match.groups } }] : [];
  });
}
