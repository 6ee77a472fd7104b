/**
 * Prisma's documented error codes that a bulk-writing pipeline meets, with the text Prisma
 * 7 prints (so a pasted message is recognised) and the triggers seen under load.
 *
 * Which SQLSTATE or policy a code stands for is not repeated here: error-policy.ts's
 * PRISMA_EQUIVALENTS says it, and policyFor() follows it. P2010 and P2039 wrap a database
 * error and carry its SQLSTATE in the message ("Code: `XX000`"): explain that code.
 */
export interface PrismaCode {
  readonly code: string;
  /** Prisma's message, with placeholders shown as … */
  readonly message: string;
  /** recognises the message in pasted text */
  readonly pattern: RegExp;
  readonly meaning: string;
  readonly triggers: readonly string[];
  /** the error wraps a database error whose SQLSTATE it carries */
  readonly carriesSqlState?: boolean;
  /** what to do, for codes that no policy covers */
  readonly remedy?: string;
}

function prisma(
  code: string,
  message: string,
  pattern: RegExp,
  meaning: string,
  triggers: readonly string[],
  extra: Partial<PrismaCode> = {},
): PrismaCode {
  return Object.freeze({ code, message, pattern, meaning, triggers: Object.freeze([...triggers]), ...extra });
}

export const PRISMA_CODES: readonly PrismaCode[] = Object.freeze([
  prisma(
    'P1000',
    'Authentication failed against the database server, the provided database credentials for `…` are not valid',
    /Authentication failed against (the )?database server/i,
    'the server rejected the user name or password',
    ['a wrong password', 'special characters in the password not percent-encoded in the URL', 'a rotated password'],
  ),
  prisma(
    'P1001',
    "Can't reach database server at `…`",
    /Can't reach database server/i,
    'no server answered at the host and port of the URL (adapter-pg reports ECONNREFUSED and ENOTFOUND this way)',
    [
      'the server is down or restarting',
      'a wrong host or port',
      'a firewall in the way',
      'a Neon compute waking from suspend',
      'under load: the server or pooler refusing new connections (often seen together with P2024)',
    ],
  ),
  prisma(
    'P1002',
    'The database server at `…` was reached but timed out.',
    /was reached but timed out/i,
    'the server accepted the connection but did not answer in time (Prisma CLI and schema engine)',
    [
      'an overloaded server',
      '`prisma migrate` through a transaction pooler: "Timed out trying to acquire a postgres advisory lock" — migrations need the direct URL',
    ],
    { remedy: 'retry when the server is less busy; run migrations against the direct (non-pooler) URL' },
  ),
  prisma(
    'P1003',
    'Database `…` does not exist on the database server',
    /Database `[^`]*` does not exist/i,
    'the database named in the URL does not exist',
    ['a typo in the name', 'another host or Neon branch'],
  ),
  prisma(
    'P1008',
    'Operation has timed out',
    /Operations? (has )?timed out/i,
    'a socket operation timed out (adapter-pg reports ETIMEDOUT this way)',
    ['the network or server stalled', 'a saturated server not answering in time'],
  ),
  prisma(
    'P1010',
    'User was denied access on the database `…`',
    /User (`[^`]*` )?was denied access/i,
    'the server does not let this user use this database',
    ['no CONNECT privilege on the database', 'pg_hba.conf rejects the user for this database'],
  ),
  prisma('P1011', 'Error opening a TLS connection: …', /Error opening a TLS connection/i, 'the TLS (SSL) handshake failed', [
    'a self-signed or unknown CA certificate with certificate verification on',
    'sslmode=require against a server without SSL',
  ]),
  prisma(
    'P1012',
    'Schema validation error (e.g. "The datasource property `url` is no longer supported in schema files")',
    /no longer supported in schema files|Schema validation error|error: Error validating/i,
    'the Prisma schema is invalid for this Prisma version',
    ['Prisma 7 moved the connection URL from schema.prisma to prisma.config.ts', 'prisma and @prisma/client at different versions'],
    { remedy: 'fix the schema as the message says; keep prisma and @prisma/client at the same version' },
  ),
  prisma(
    'P1013',
    'The provided database string is invalid. …',
    /The provided database string is invalid/i,
    'the connection URL cannot be parsed',
    ['special characters in the password not percent-encoded', 'a missing postgresql:// scheme'],
    { remedy: 'percent-encode the user name and password in DATABASE_URL and check its form: postgresql://user:password@host:5432/db' },
  ),
  prisma(
    'P1017',
    'Server has closed the connection.',
    /Server has closed the connection/i,
    'the server (or a pooler) closed the connection during a query',
    ['a server restart or crash', 'pooler idle or lifetime timeouts', 'Neon suspending the compute', 'a network drop'],
  ),
  prisma(
    'P2000',
    "The provided value for the column is too long for the column's type. Column: …",
    /value for the column is too long/i,
    'a value is longer than its column allows',
    ['a string longer than varchar(n)'],
  ),
  prisma(
    'P2002',
    'Unique constraint failed on the fields: (…)',
    /Unique constraint failed/i,
    'a row with the same unique key already exists',
    [
      'concurrent upserts with nested writes: Prisma runs SELECT then INSERT, so two workers both insert',
      'createMany of rows already present',
      'a retried create whose first attempt committed',
    ],
  ),
  prisma(
    'P2003',
    'Foreign key constraint violated on the …',
    /Foreign key constraint (violated|failed)/i,
    'a row refers to a parent row that does not exist',
    ['snapshots written before their contract', 'a parent deleted meanwhile'],
  ),
  prisma('P2007', 'Invalid input value: …', /Invalid input value:/i, 'the server could not read a value as its column type', [
    'text in a numeric column',
    'a value outside an enum',
  ]),
  prisma(
    'P2010',
    'Raw query failed. Code: `…`. Message: `…`',
    /Raw query failed/i,
    "a $queryRaw / $executeRaw statement failed; the database's SQLSTATE is inside the message",
    ['any database error in a raw statement'],
    { carriesSqlState: true, remedy: 'explain the code inside the message (Code: `…`)' },
  ),
  prisma('P2011', 'Null constraint violation on the …', /Null constraint violation/i, 'a required column got no value', [
    'a field missing in the source',
  ]),
  prisma('P2020', 'Value out of range for the type: …', /Value out of range for the type/i, 'a number does not fit its column type', [
    'integer overflow',
    'too many digits for numeric(p,s)',
  ]),
  prisma(
    'P2021',
    'The table `…` does not exist in the current database.',
    /The table `[^`]*` does not exist/i,
    'a table Prisma expects does not exist',
    ['migrations not applied', 'the wrong database or schema'],
  ),
  prisma(
    'P2022',
    'The column `…` does not exist in the current database.',
    /The column `[^`]*` does not exist/i,
    'a column Prisma expects does not exist',
    ['the code is newer than the schema'],
  ),
  prisma(
    'P2024',
    'Timed out fetching a new connection from the connection pool. (Current connection pool timeout: …, connection limit: …)',
    /Timed out fetching a new connection from the connection pool/i,
    'no pooled connection became free in time (Prisma ≤ 6\'s own pool; Prisma 7 with adapter-pg reports pg\'s "timeout exceeded when trying to connect" instead)',
    ['more concurrent queries than connection_limit', 'long transactions holding connections', 'a semaphore or queue larger than the pool'],
  ),
  prisma(
    'P2025',
    'An operation failed because it depends on one or more records that were required but not found',
    /depends on one or more records that were required but not found|Record to (update|delete) does not exist/i,
    'an update, delete or nested connect found no row',
    ['a nested connect to a contract that is not written yet', 'an update of a row deleted meanwhile'],
    {
      remedy:
        'write parent rows (contracts) before the rows that refer to them, or assign the foreign key directly instead of a nested connect',
    },
  ),
  prisma(
    'P2028',
    'Transaction API error: …',
    /Transaction API error/i,
    'an interactive transaction could not start in time (maxWait), expired (timeout), or was used after it closed',
    [
      'more concurrent $transaction calls than pooled connections: waiting longer than maxWait (2 s by default)',
      'a transaction running past its timeout (5 s by default) because of a large batch or lock waits',
    ],
  ),
  prisma(
    'P2029',
    'The query parameter limit supported by your database is exceeded.',
    /query parameter limit supported by your database is exceeded/i,
    'one statement has more bind parameters than the database accepts (65,535 for PostgreSQL)',
    ['createMany or an IN filter with tens of thousands of values'],
    { remedy: 'send fewer rows per statement, or pass arrays to unnest in a raw statement' },
  ),
  prisma(
    'P2034',
    'Transaction failed due to a write conflict or a deadlock. Please retry your transaction',
    /write conflict or a deadlock/i,
    'the database rolled the transaction back (40001 serialization failure or 40P01 deadlock); running it again is expected to work',
    ['concurrent writers on the same rows', 'rows locked in different orders'],
  ),
  prisma(
    'P2037',
    'Too many database connections opened: …',
    /Too many database connections opened/i,
    'the server refused a new connection: too many clients (53300)',
    ['pool size × processes above max_connections', 'connection leaks'],
  ),
  prisma(
    'P2039',
    'Database error. Code: `…`. Message: `…`',
    /Database error\. Code:/i,
    'a database error Prisma has no code of its own for (Prisma 7.9+), e.g. XX000; the SQLSTATE is inside the message',
    ['any unmapped database error, notably XX000 "variable not found in subplan target list"'],
    { carriesSqlState: true, remedy: 'explain the code inside the message (Code: `…`)' },
  ),
]);

const BY_CODE: ReadonlyMap<string, PrismaCode> = new Map(PRISMA_CODES.map((entry) => [entry.code, entry]));

export function prismaCodeFor(code: string): PrismaCode | undefined {
  return BY_CODE.get(code.trim().toUpperCase());
}
