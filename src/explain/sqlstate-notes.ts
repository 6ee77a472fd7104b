/**
 * What the SQLSTATEs an options pipeline actually meets mean in practice: the common
 * triggers (under load, behind PgBouncer or Neon's pooler, with Prisma) and, for codes
 * optdb has no policy for, what to do.
 *
 * Keys are codes or two-character classes; a code without a note borrows its class's
 * triggers. Where error-policy.ts has a policy for the exact code, its meaning and remedy
 * are the policy's and the note gives triggers only (test/explain.test.ts checks this),
 * so optdb's behaviour is described in one place.
 */
export interface SqlStateNote {
  /** only for codes and classes without a policy of their own */
  readonly meaning?: string;
  readonly triggers: readonly string[];
  /** only for codes and classes without a policy of their own */
  readonly remedy?: string;
}

const POOLER_STATEMENTS =
  'use unnamed statements (optdb uses @prisma/adapter-pg, which sends unnamed statements unless statementNameGenerator is set); otherwise run PgBouncer ≥ 1.21 with max_prepared_statements > 0, use session pooling, or connect with the direct (non-pooler) URL';

export const SQLSTATE_NOTES: Readonly<Record<string, SqlStateNote>> = Object.freeze({
  // Class 08 — the connection.
  '08': {
    triggers: [
      'the server restarted, crashed or failed over',
      'a pooler (PgBouncer, Neon) closed or recycled the server connection',
      'a network, NAT or load-balancer idle timeout cut a long-lived pooled connection',
      'the server or pooler refused the connection while starting it',
    ],
  },
  '08001': {
    triggers: [
      'the server is down or restarting',
      'a wrong host or port in DATABASE_URL',
      'a firewall or security group in the way',
      'a suspended Neon compute still waking up',
    ],
  },
  '08003': {
    meaning: 'the client used a connection that is already closed',
    triggers: [
      'reusing a node-postgres client after an error closed it ("Client has encountered a connection error and is not queryable")',
      'a pooled connection closed by the server or pooler while it sat idle',
    ],
  },
  '08006': {
    meaning: 'the connection broke in the middle of a conversation',
    triggers: [
      'the server restarted or a backend crashed',
      'the pooler closed the server side (PgBouncer server_idle_timeout, server_lifetime, a restart)',
      'a network drop or NAT timeout',
      'node-postgres: "Connection terminated unexpectedly"; Prisma: P1017',
    ],
  },
  '08P01': {
    meaning:
      'the client and the server (or a pooler speaking for it) disagreed about the wire protocol; PgBouncer also reports its own refusals with this code',
    triggers: [
      'PgBouncer or Neon\'s pooler refusing a startup parameter ("unsupported startup parameter", e.g. options=-c statement_timeout=… or search_path in the URL)',
      'PgBouncer limits: "no more connections allowed (max_client_conn)", "query_wait_timeout"',
      'a named prepared statement reused across clients behind a transaction pooler ("bind message supplies N parameters, but prepared statement … requires M")',
      'more bind parameters in one statement than the protocol allows (65,535)',
    ],
  },

  // Class 21 — cardinality.
  '21': {
    meaning: 'a statement produced more rows than it can use in one place',
    triggers: [
      'INSERT … ON CONFLICT DO UPDATE proposing the same key twice in one statement',
      'a scalar subquery returning more than one row',
    ],
  },
  '21000': {
    triggers: [
      'the same contract (or the same contract and timestamp) twice in one upsert batch: duplicate rows in a source file, overlapping snapshots',
      'ORDER BY does not help; only de-duplicating each batch does (last occurrence wins) — optdb de-duplicates every batch',
      '"more than one row returned by a subquery used as an expression"',
    ],
  },

  // Class 22 — bad values.
  '22': {
    triggers: [
      'text where a number is expected ("N/A", "", "NaN")',
      'a number too large for its column (volume, open interest, strike digits)',
      'Unix-nanosecond timestamps read as milliseconds or seconds (a date far in the future)',
      'NUL bytes (0x00, \\u0000) in text or JSON',
      'a string longer than its varchar(n)',
    ],
  },
  '22001': {
    meaning: 'a text value is longer than its column allows (varchar(n))',
    triggers: ['a ticker, exchange or free-text value longer than its varchar(n) column'],
  },
  '22003': {
    meaning: "a number does not fit its column: beyond the integer type's range, or more digits than numeric(p,s) allows",
    triggers: [
      'volume or open interest beyond integer range',
      'a 19-digit Unix-nanosecond timestamp in an integer column',
      'a strike or price with more digits than numeric(p,s) allows',
    ],
  },
  '22007': {
    meaning: 'text that is not a valid date or time',
    triggers: [
      'an epoch number or an empty string sent as text to a date or timestamp column',
      "a date format the server's DateStyle does not read (07/12/2023)",
    ],
  },
  '22008': {
    meaning: 'a date or time outside the valid range, or with a field out of range',
    triggers: ['nanoseconds taken for milliseconds: a year far beyond 9999', 'a field out of range (month 13, hour 25)'],
  },
  '22012': { meaning: 'a division by zero', triggers: ['a computed column dividing by a volume, price or size that is 0'] },
  '22021': {
    meaning: 'text with bytes that are invalid in the database encoding, usually a NUL byte or broken UTF-8',
    triggers: ['a NUL byte (0x00) in a text value', 'a file read with the wrong encoding (Latin-1 bytes sent as UTF-8)'],
  },
  '22P02': {
    meaning: "text that cannot be read as the column's type",
    triggers: [
      '"N/A", "", "-" or "NaN" in an integer column',
      'a value outside an enum (e.g. contract_type "other")',
      'a malformed boolean, UUID or JSON text',
    ],
  },
  '22P05': { meaning: 'text that cannot be stored in the database encoding', triggers: ['a \\u0000 escape in JSON stored as jsonb'] },

  // Class 23 — constraints.
  '23': {
    triggers: [
      'a snapshot for a contract that is not in the options table (foreign key)',
      'a field missing in the source for a NOT NULL column',
      'two writers inserting the same key at once with a read-then-write upsert',
      'a CHECK rule (negative strike, unknown contract type)',
    ],
  },
  '23502': { triggers: ['a field absent in the source: greeks deep in the money, last_quote without a quotes plan, implied_volatility'] },
  '23503': {
    triggers: [
      'rows written before (or without) their contract, e.g. contracts and snapshots in different transactions',
      'a ticker spelled differently from the contract row (O: prefix, root padding)',
    ],
  },
  '23505': {
    triggers: [
      'concurrent upserts that read then write (Prisma upsert with a nested connect is SELECT + INSERT, not ON CONFLICT)',
      'a plain INSERT of rows already imported (a rerun)',
      'a retried create whose first attempt did commit',
    ],
  },
  '23514': {
    meaning: 'a row breaks a CHECK constraint',
    triggers: ['a negative price or strike, or an expiration before the trade date, refused by a CHECK constraint'],
  },

  // Class 25 — transaction state.
  '25': {
    meaning: "the statement is not allowed in the transaction's current state",
    triggers: [
      'a statement sent after an earlier one in the same transaction failed (25P02)',
      'a write on a read replica or hot standby (25006)',
      'the server ended a transaction left idle (25P03) or running past transaction_timeout (25P04)',
      'a command that cannot run inside a transaction block (25001)',
    ],
    remedy: 'roll back, find the first error of the transaction, and retry the whole transaction',
  },
  '25001': {
    meaning: 'the command cannot run inside a transaction block',
    triggers: ['CREATE INDEX CONCURRENTLY, VACUUM or CREATE DATABASE in a transaction, e.g. inside a migration that is wrapped in one'],
    remedy: 'run the command on its own, outside BEGIN … COMMIT',
  },
  '25006': {
    triggers: [
      'connected to a read replica or hot standby (a Neon read-replica endpoint, a failover target)',
      'default_transaction_read_only = on for the role or database',
    ],
  },
  '25P02': {
    meaning: 'current transaction is aborted: an earlier statement in it failed, and every command until ROLLBACK is ignored',
    triggers: [
      'the real error happened earlier in the same transaction — look for it in the log',
      'code that catches an error and carries on in the same transaction',
    ],
    remedy: 'explain the first error of the transaction instead; roll back and retry the whole transaction',
  },
  '25P03': {
    triggers: [
      'a transaction left open while the client did other work (fetching the next API page inside it)',
      'a worker that died or hung mid-transaction',
      'idle_in_transaction_session_timeout set on the server or role (hosted providers set one)',
    ],
  },
  '25P04': {
    meaning: 'the transaction ran longer than transaction_timeout (PostgreSQL 17+)',
    triggers: ['a large batch written in one transaction', 'transaction_timeout set for the role or database'],
    remedy: "lower the batch size, or raise transaction_timeout for optdb's role",
  },

  // Prepared statements behind a transaction pooler (42P05 is listed with class 42).
  '26000': {
    meaning: 'the statement names a prepared statement that does not exist on this server connection',
    triggers: [
      'a driver using named prepared statements behind a transaction-mode pooler: the statement was prepared on another server connection',
      'PgBouncer < 1.21, or max_prepared_statements = 0',
      "the pooler's reset (DISCARD ALL) or a server restart dropped it",
    ],
    remedy: POOLER_STATEMENTS,
  },

  // Class 28 — who may connect.
  '28': {
    triggers: [
      'a wrong user or password in DATABASE_URL',
      'special characters in the password not percent-encoded (@ : / # ?)',
      'pg_hba.conf has no line for this host, user and database (or requires SSL)',
      'a password rotated on the provider',
    ],
  },
  '28000': {
    triggers: [
      'pg_hba.conf has no entry for this host, user and database ("no pg_hba.conf entry")',
      'the role does not exist ("role … does not exist")',
      'the role lacks LOGIN or CONNECT on the database',
    ],
  },
  '28P01': {
    triggers: [
      'a wrong password',
      'special characters in the password not percent-encoded in DATABASE_URL',
      "a pooler's own user list (PgBouncer auth_file / auth_query) out of date",
    ],
  },
  '3D000': {
    triggers: [
      'a typo in the database name',
      'the database lives on another host or Neon branch',
      "a pooler that does not know the database (PgBouncer's [databases] section)",
    ],
  },
  '0A000': {
    meaning: 'PostgreSQL does not support this statement, or this combination of options',
    triggers: [
      '"cached plan must not change result type": a prepared statement outlived a schema change',
      'a feature of a newer PostgreSQL than the server runs (check SELECT version())',
      'session features through a transaction pooler',
    ],
    remedy: 'check the server version against what the statement needs; after a migration, restart the pool so cached plans are rebuilt',
  },

  // Class 40 — the server rolled the transaction back.
  '40': {
    triggers: [
      'concurrent writers changing the same rows (workers upserting overlapping contracts)',
      'REPEATABLE READ or SERIALIZABLE isolation',
      'two transactions locking rows in different orders',
      'a hot standby cancelling a query that conflicts with recovery',
    ],
  },
  '40001': {
    triggers: [
      'concurrent updates of the same rows under REPEATABLE READ or SERIALIZABLE',
      '"canceling statement due to conflict with recovery" on a hot standby',
      'Prisma: P2034',
    ],
  },
  '40P01': {
    triggers: [
      'two batches upserting overlapping contracts in different orders',
      'foreign-key checks locking the same parent (contract) rows from several writers',
      'Prisma: P2034',
    ],
  },

  // Class 42 — the statement does not fit this database.
  '42': {
    meaning: 'the statement is wrong for this database: bad syntax, a missing or duplicate object, a type mismatch, or a missing privilege',
    triggers: [
      'the schema is older or newer than the code (migrations not applied)',
      'a statement written for another PostgreSQL version',
      'a prepared-statement name collision behind a pooler (42P05)',
    ],
    remedy: 'not transient: compare the schema with what the code expects (`optdb migrate --status`), then fix the statement or the grants',
  },
  '42501': {
    triggers: [
      'a role created without grants',
      'tables owned by another role (migrations ran as a different user)',
      'USAGE missing on the schema',
    ],
  },
  '42601': {
    meaning: 'the SQL text is not valid',
    triggers: [
      'syntax from a newer PostgreSQL (MERGE … RETURNING, JSON_TABLE)',
      'several statements in one extended-protocol query ("cannot insert multiple commands into a prepared statement")',
      'a reserved word or a mixed-case name used without double quotes',
    ],
    remedy: 'fix the statement; run it in psql against the same server to see where it breaks',
  },
  '42P01': {
    triggers: [
      'migrations not applied on this database or branch',
      'the wrong database or schema: search_path set in startup options that a pooler dropped',
      'a quoted mixed-case name ("OptionSnapshot") against a lower-case table',
    ],
  },
  '42703': {
    triggers: [
      'code newer than the schema (a column added by a migration not yet applied)',
      'a renamed column',
      'a quoted mixed-case column name',
    ],
  },
  '42704': {
    triggers: [
      'an enum or type created by a migration not yet applied',
      'an extension type (e.g. citext) whose extension is not installed',
    ],
  },
  '42883': {
    triggers: [
      'a function from an extension that is not installed',
      'argument types that need a cast',
      'a function in a schema not on search_path',
    ],
  },
  '42P05': {
    meaning: 'a prepared statement with this name already exists on this server connection',
    triggers: [
      'a driver naming its statements (Prisma ≤ 6 "s0", "s1"…; asyncpg; node-postgres with `name:`) behind a transaction-mode pooler, where another client already prepared that name on the same server connection',
      'PgBouncer < 1.21, or max_prepared_statements = 0 (the default before 1.24)',
      'Prisma ≤ 6 through PgBouncer without ?pgbouncer=true',
    ],
    remedy: POOLER_STATEMENTS,
  },
  '42P07': {
    meaning: 'a table (or index, sequence, view) with this name already exists',
    triggers: [
      'a migration applied twice, or applied partly by hand',
      'a temporary staging table created twice because a pooled session was reused',
    ],
    remedy: 'check the migration state (`optdb migrate --status`); create staging tables inside the transaction with ON COMMIT DROP',
  },
  '42P10': {
    triggers: [
      'ON CONFLICT (columns) with no unique index on exactly those columns (a migration not applied)',
      'a partial unique index that needs its WHERE clause repeated in ON CONFLICT',
    ],
  },
  '42P18': {
    meaning: 'the server could not tell the type of a parameter',
    triggers: ['unnest($1) or a bare $1 with no cast in a raw query ("could not determine data type of parameter $1")'],
    remedy: 'cast the parameter in the SQL ($1::text[], $2::numeric[])',
  },
  '42804': {
    meaning: "a value's type does not match the column or expression",
    triggers: ['arrays passed to unnest with the wrong element type', 'CASE or COALESCE branches of different types'],
    remedy: 'add explicit casts',
  },

  // Class 53 — server resources.
  '53': {
    triggers: [
      "more connections than max_connections (pool size × processes, plus the pooler's own)",
      'big sorts or hash joins filling memory or temp space (work_mem × parallel workers)',
      'a bulk load filling the disk or the pg_wal volume',
      'too many locks in one transaction (many partitions)',
    ],
  },
  '53100': {
    triggers: [
      'a bulk load filling the data volume',
      'pg_wal growing behind an inactive replication slot or failing archiving',
      '"could not resize shared memory segment": Docker\'s 64 MB /dev/shm with parallel queries',
    ],
  },
  '53200': {
    triggers: [
      'many connections × work_mem',
      '"out of shared memory" (HINT: max_locks_per_transaction) when one transaction touches many partitions',
    ],
  },
  '53300': {
    triggers: [
      'pool size × processes (× workers) above max_connections',
      'connection leaks',
      "a small hosted compute (Neon's smallest has about 100 connections)",
      'a per-role or per-database CONNECTION LIMIT ("too many connections for role")',
      'only reserved slots left ("remaining connection slots are reserved …")',
    ],
  },
  '53400': {
    triggers: ['a large sort or hash exceeding temp_file_limit', 'max_locks_per_transaction or a similar limit hit by one big statement'],
  },

  // Class 54 — fixed limits.
  '54': {
    meaning: "a statement exceeds one of PostgreSQL's fixed limits",
    triggers: [
      'an index on a long text value ("index row size … exceeds btree maximum")',
      'an IN list or OR chain of many thousands of values built into the SQL',
      'a function call with more than 100 arguments (json_build_object)',
    ],
    remedy: 'send fewer values per statement, or pass arrays and use unnest / = ANY($1) instead of one parameter per value',
  },
  '54001': {
    meaning: 'the statement is too complex for the server (expression nesting, "stack depth limit exceeded")',
    triggers: ['a huge IN list or OR chain', 'deeply nested expressions generated by an ORM'],
    remedy: 'pass the values as one array parameter (= ANY($1), unnest)',
  },

  // Class 55 — the object is busy or not ready.
  '55': {
    meaning: 'the object is not in the state the command needs (locked, in use, not set up)',
    triggers: [
      'lock_timeout or NOWAIT while a migration, VACUUM FULL or REINDEX holds a lock (55P03)',
      'DROP DATABASE while sessions are connected (55006)',
      '"currval of sequence … is not yet defined in this session" behind a transaction pooler (55000)',
      'UPDATE or DELETE on a table published for logical replication without a replica identity (55000)',
    ],
    remedy:
      'find the session holding the object (pg_stat_activity, pg_blocking_pids()) and wait for it or stop it; run migrations while no ingest is running',
  },
  '55P03': {
    triggers: [
      'lock_timeout set for the role or session',
      'a migration (ALTER TABLE) or VACUUM FULL / REINDEX holding an exclusive lock',
      'a long transaction holding row locks',
      'SELECT … FOR UPDATE NOWAIT ("could not obtain lock on row")',
    ],
  },

  // Class 57 — someone (or something) stopped the statement or session.
  '57': {
    meaning: 'an administrator, a timeout or the state of the server stopped the statement or ended the session',
    triggers: [
      'an administrator or the platform ending sessions (pg_terminate_backend, a restart, failover, Neon suspending an idle compute)',
      'statement_timeout or a cancel request (57014)',
      'the server restarting after a crash (57P02) or still starting (57P03)',
    ],
  },
  '57014': {
    triggers: [
      'a batch too large for statement_timeout (hosted providers and roles often set one)',
      'waiting on locks counts toward statement_timeout',
      'a cancel request: Ctrl-C, pg_cancel_backend ("canceling statement due to user request")',
    ],
  },
  '57P01': {
    triggers: [
      'pg_terminate_backend() by an administrator or a script',
      'a server shutdown or restart, failover, minor-version upgrade',
      'Neon suspending an idle compute (scale to zero) or restarting it',
    ],
  },
  '57P03': {
    triggers: [
      'the server is starting up, shutting down, or replaying WAL after a crash or restore ("the database system is starting up")',
    ],
  },
  '57P05': { triggers: ['idle_session_timeout set on the server or role closing pooled connections that sat idle'] },

  // Class 58 — the operating system.
  '58': {
    meaning: 'the server got an error from the operating system, outside PostgreSQL: file I/O, a missing or duplicate file',
    triggers: [
      'a failing disk or a full filesystem',
      'permissions changed on the data directory',
      "a tablespace directory or an extension's library missing on the server",
    ],
    remedy: "read the server log and check its storage; this is the server's problem, not the data's",
  },

  // Class XX — PostgreSQL itself.
  XX: {
    meaning: 'PostgreSQL itself failed: an internal error (often a planner bug for one statement shape) or corrupted pages',
    triggers: [
      'XX000: a planner bug such as "variable not found in subplan target list"',
      'XX001 / XX002: corrupted table or index pages (hardware, filesystem, a crash with fsync off, a collation change)',
    ],
    remedy: 'see the code: XX000 is retried and worked around; XX001 and XX002 need the server checked',
  },
  XX000: {
    triggers: [
      '"variable not found in subplan target list": a planner bug for one statement shape — nested connect / complex upsert, partitionwise joins with lateral references (fixed in 15.6 / 16.2), IS NULL on a NOT NULL column (fixed in 17.1), MERGE (fixed in 15.3)',
      'it appears under load because plan choice follows statistics and cached plans; it never means the row is bad',
      '"cache lookup failed for …" after concurrent DDL',
      '"missing chunk number … for toast value": TOAST corruption, not a planner bug',
    ],
  },
  XX001: {
    triggers: ['hardware or filesystem faults', 'a crash with fsync or full_page_writes off', '"invalid page in block N of relation …"'],
  },
  XX002: {
    triggers: [
      'an operating-system collation change (e.g. glibc 2.28) under text indexes',
      'a crash with fsync off',
      'bugs fixed in minor releases',
    ],
  },
});
