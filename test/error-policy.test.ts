import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { resolveConfig } from '../src/config.js';
import { classifyError, ERROR_POLICIES, policyFor, type ErrorAction, type ErrorCategory } from '../src/db/error-policy.js';
import { type Connections, createPrismaClient, openConnections } from '../src/db/pool.js';
import { validateDayAgg } from '../src/domain/day-agg.js';
import { formatTicker } from '../src/domain/ticker.js';
import { Prisma, type PrismaClient } from '../src/generated/prisma/client.js';
import { createStrategy, createStrategyChain } from '../src/write/create-strategy.js';
import type { WriteStrategy } from '../src/write/strategy.js';
import { DAY_AGGS } from '../src/write/tables.js';
import { WriteBuffer, type WriteBufferOptions } from '../src/write/write-buffer.js';
import type { WriteEvent } from '../src/write/writer.js';
import { type ConnectedDatabase, connectMigratedDatabase } from './harness/connected-database.js';
import { type TestDatabase, TestDatabases } from './harness/database.js';
import { query } from './harness/sql.js';

/** A write buffer of day_aggs_v1 rows by column name. */
function dayAggWriteBuffer(strategy: WriteStrategy, settings: Omit<WriteBufferOptions<unknown>, 'strategy' | 'table' | 'validate'>) {
  return new WriteBuffer({ ...settings, strategy, table: DAY_AGGS, validate: validateDayAgg });
}

let db: ConnectedDatabase;
let pool: pg.Pool;
let prisma: PrismaClient;
const ownDatabases = new TestDatabases();

before(async () => {
  db = await connectMigratedDatabase('error_policy');
  ({ pool, prisma } = db);
});
after(async () => {
  await db.close();
  await ownDatabases.dropAll();
});

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the operation to fail');
}

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'connect' });
}

function knownRequestError(code: string, meta?: Record<string, unknown>, message = 'prisma failed'): Prisma.PrismaClientKnownRequestError {
  return new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: '7', ...(meta ? { meta } : {}) });
}

/** Shaped like @prisma/driver-adapter-utils' DriverAdapterError: the payload is its `cause`. */
function driverAdapterError(payload: Record<string, unknown>): Error {
  return Object.assign(new Error(String(payload.originalMessage ?? payload.kind)), { name: 'DriverAdapterError', cause: payload });
}

const REQUIRED: readonly (readonly [string, ErrorCategory, ErrorAction])[] = [
  ['40001', 'transient', 'retry'],
  ['40P01', 'transient', 'retry'],
  ['55P03', 'transient', 'retry'],
  ['57014', 'transient', 'split-then-retry'],
  ['57P01', 'transient', 'retry'],
  ['57P02', 'transient', 'retry'],
  ['57P03', 'transient', 'retry'],
  ['53300', 'transient', 'retry'],
  ['53400', 'transient', 'retry'],
  ['53200', 'configuration', 'stop-with-remedy'],
  ['53100', 'configuration', 'stop-with-remedy'],
  ['08000', 'transient', 'retry'],
  ['08001', 'transient', 'retry'],
  ['08006', 'transient', 'retry'],
  ['XX000', 'planner', 'retry-fresh-connection-then-fallback'],
  ['22012', 'data', 'isolate-rows'],
  ['22P02', 'data', 'isolate-rows'],
  ['23503', 'data', 'isolate-rows'],
  ['23505', 'data', 'isolate-rows'],
  ['21000', 'data', 'isolate-rows'],
  ['42P01', 'schema', 'stop-with-remedy'],
  ['42703', 'schema', 'stop-with-remedy'],
  ['42883', 'schema', 'stop-with-remedy'],
  ['42501', 'configuration', 'stop-with-remedy'],
  ['28P01', 'configuration', 'stop-with-remedy'],
  ['28000', 'configuration', 'stop-with-remedy'],
  ['XX001', 'corruption', 'stop'],
  ['XX002', 'corruption', 'stop'],
  ['ECONNRESET', 'transient', 'retry'],
  ['ECONNREFUSED', 'transient', 'retry'],
  ['ETIMEDOUT', 'transient', 'retry'],
  ['EPIPE', 'transient', 'retry'],
  ['ENOTFOUND', 'configuration', 'stop-with-remedy'],
  ['POOL_ACQUIRE_TIMEOUT', 'transient', 'retry'],
  ['P1001', 'transient', 'retry'],
  ['P1008', 'transient', 'retry'],
  ['P1017', 'transient', 'retry'],
  ['P2024', 'transient', 'retry'],
  ['P2028', 'transient', 'retry'],
  ['P2034', 'transient', 'retry'],
  ['P2037', 'transient', 'retry'],
  ['P2002', 'data', 'isolate-rows'],
];

test('every required code has its category and action', () => {
  for (const [code, category, action] of REQUIRED) {
    const found = policyFor(code);
    assert.ok(found, `no policy for ${code}`);
    assert.deepEqual([code, found.category, found.action], [code, category, action]);
  }
});

test('only too_many_connections and the pool acquire timeout lower the concurrency', () => {
  const lowering = ERROR_POLICIES.filter((entry) => entry.lowerConcurrency).map((entry) => entry.code);
  assert.deepEqual(lowering.sort(), ['53300', 'POOL_ACQUIRE_TIMEOUT']);
  assert.equal(policyFor('P2037')?.lowerConcurrency, true);
  assert.equal(policyFor('P2024')?.lowerConcurrency, true);
});

test('the table has one entry per code, each with a meaning and a remedy', () => {
  const codes = ERROR_POLICIES.map((entry) => entry.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const entry of ERROR_POLICIES) {
    assert.ok(entry.meaning.length > 10, `${entry.code} has no meaning`);
    assert.ok(entry.remedy.length > 10, `${entry.code} has no remedy`);
    assert.ok(Object.isFrozen(entry));
  }
});

test('the texts say why: XX000 is a planner bug, 57014 splits, schema errors name `optdb migrate`', () => {
  const planner = policyFor('XX000');
  assert.match(planner?.meaning ?? '', /variable not found in subplan target list/);
  assert.match(planner?.meaning ?? '', /planner bug/);
  assert.match(planner?.meaning ?? '', /not bad data/);
  assert.equal(planner?.action, 'retry-fresh-connection-then-fallback');
  assert.equal(policyFor('57014')?.action, 'split-then-retry');
  assert.match(policyFor('21000')?.meaning ?? '', /cannot affect row a second time/);
  for (const code of ['42P01', '42703', '42883']) assert.match(policyFor(code)?.remedy ?? '', /`optdb migrate`/);
  for (const code of ['28P01', '28000']) assert.match(policyFor(code)?.remedy ?? '', /DATABASE_URL/);
});

test('codes not listed fall back to their SQLSTATE class', () => {
  assert.equal(
    ERROR_POLICIES.some((entry) => entry.code === '22P02' || entry.code === '08006'),
    false,
  );
  assert.equal(policyFor('22P02')?.code, '22');
  assert.equal(policyFor('22P02')?.action, 'isolate-rows');
  assert.equal(policyFor('08006')?.code, '08');
  assert.equal(policyFor('08006')?.action, 'retry');
  assert.equal(policyFor('23514')?.code, '23'); // check_violation
  assert.equal(policyFor('53000')?.action, 'retry');
  assert.equal(policyFor('40003')?.code, '40');
  assert.equal(policyFor('40p01')?.code, '40P01'); // typed by a person: case does not matter
});

test('unknown codes have no policy and classify as unknown → stop with the raw message', () => {
  assert.equal(policyFor('0A000'), undefined);
  assert.equal(policyFor('P0001'), undefined); // PL/pgSQL raise_exception, not a Prisma code
  assert.equal(policyFor('P2039'), undefined);
  const classified = classifyError(Object.assign(new Error('feature not supported'), { code: '0A000', severity: 'ERROR' }));
  assert.equal(classified.code, '0A000');
  assert.equal(classified.policy.category, 'unknown');
  assert.equal(classified.policy.action, 'stop');
  assert.match(classified.policy.meaning, /feature not supported/);
});

test('classifyError never throws, whatever it is given', () => {
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error('getter exploded');
      },
    },
  );
  for (const value of [undefined, null, 42, 'plain string', Symbol('s'), new Error('no code'), hostile, { code: 17 }]) {
    const classified = classifyError(value);
    assert.equal(classified.policy.action, 'stop');
    assert.equal(classified.policy.category, 'unknown');
    assert.equal(classified.cause, value);
  }
  assert.equal(classifyError('plain string').message, 'plain string');
  assert.equal(classifyError(new Error('no code')).code, 'UNKNOWN');
});

test('a real node-postgres DatabaseError is classified by its SQLSTATE', async () => {
  const error = await rejection(pool.query('SELECT 1/0'));
  assert.ok(error instanceof pg.DatabaseError);
  const classified = classifyError(error);
  assert.equal(classified.code, '22012');
  assert.equal(classified.policy.code, '22');
  assert.equal(classified.policy.action, 'isolate-rows');
  assert.equal(classified.message, 'division by zero');
});

test('a real connection terminated by an administrator is 57P01 → retry', async () => {
  const client = new pg.Client({ connectionString: db.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const sleeping = rejection(client.query('SELECT pg_sleep(30)'));
    await waitFor(
      async () =>
        (await pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event = $2', [rows[0]?.pid, 'PgSleep'])).rowCount === 1,
    );
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
    const classified = classifyError(await sleeping);
    assert.equal(classified.code, '57P01');
    assert.equal(classified.policy.action, 'retry');
  } finally {
    await client.end().catch(() => undefined);
  }
});

test('a real ECONNREFUSED (nothing listens on 127.0.0.1:1) → retry', async () => {
  const client = new pg.Client({ connectionString: 'postgresql://optdb:secret@127.0.0.1:1/optdb' });
  const error = await rejection(client.connect());
  const classified = classifyError(error);
  assert.equal(classified.code, 'ECONNREFUSED');
  assert.equal(classified.policy.category, 'transient');
  assert.equal(classified.policy.action, 'retry');
});

test('a real "Connection terminated unexpectedly" is treated as class 08', async () => {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as net.AddressInfo;
    const error = await rejection(new pg.Client({ connectionString: `postgresql://optdb@127.0.0.1:${port}/optdb` }).connect());
    assert.match((error as Error).message, /Connection terminated unexpectedly/);
    const classified = classifyError(error);
    assert.equal(classified.code, '08006');
    assert.equal(classified.policy.code, '08');
    assert.equal(classified.policy.action, 'retry');
  } finally {
    server.close();
  }
});

test('Node socket errors map into the same table', () => {
  const cases: readonly (readonly [string, ErrorCategory, ErrorAction])[] = [
    ['ECONNRESET', 'transient', 'retry'],
    ['ETIMEDOUT', 'transient', 'retry'],
    ['EPIPE', 'transient', 'retry'],
    ['ENOTFOUND', 'configuration', 'stop-with-remedy'],
  ];
  for (const [code, category, action] of cases) {
    const classified = classifyError(systemError(code, `connect ${code} db.example.com:5432`));
    assert.deepEqual([classified.code, classified.policy.category, classified.policy.action], [code, category, action]);
  }
  // Node reports a refused dual-stack connect as an AggregateError carrying the code.
  const aggregate = Object.assign(new AggregateError([systemError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], ''), {
    code: 'ECONNREFUSED',
  });
  assert.equal(classifyError(aggregate).code, 'ECONNREFUSED');
});

test('a real pool acquire timeout — bare pg and through Prisma — is classified as one whose policy retries with lower concurrency', async () => {
  const tiny = new pg.Pool({ connectionString: db.url, max: 1, connectionTimeoutMillis: 100 });
  const tinyPrisma = createPrismaClient(tiny);
  const held = await tiny.connect();
  try {
    for (const error of [await rejection(tiny.query('SELECT 1')), await rejection(tinyPrisma.$queryRawUnsafe('SELECT 1'))]) {
      const classified = classifyError(error);
      assert.equal(classified.code, 'POOL_ACQUIRE_TIMEOUT');
      assert.equal(classified.policy.action, 'retry');
      assert.equal(classified.policy.lowerConcurrency, true);
    }
  } finally {
    held.release();
    await tinyPrisma.$disconnect();
    await tiny.end();
  }
  // pg-pool's message when the timeout runs out while a new connection is being opened.
  assert.equal(classifyError(new Error('Connection terminated due to connection timeout')).code, 'POOL_ACQUIRE_TIMEOUT');
});

test('a real raw-query failure (P2010) is classified by the SQLSTATE inside: 22012 → isolate-rows', async () => {
  const error = await rejection(prisma.$queryRawUnsafe('SELECT 1/0'));
  assert.ok(error instanceof Prisma.PrismaClientKnownRequestError);
  assert.equal(error.code, 'P2010');
  // The shape adapter-pg produces: meta.driverAdapterError.cause = { originalCode, originalMessage, kind, … }.
  const cause = (error.meta?.driverAdapterError as { cause?: Record<string, unknown> } | undefined)?.cause;
  assert.equal(cause?.originalCode, '22012');
  assert.equal(cause?.kind, 'postgres');
  const classified = classifyError(error);
  assert.equal(classified.code, '22012');
  assert.equal(classified.policy.action, 'isolate-rows');
  assert.equal(classified.message, 'division by zero');
});

test('real foreign-key violations, raw (P2010) and through the model API (P2003) → 23503 isolate-rows', async () => {
  const raw = await rejection(
    prisma.$executeRawUnsafe("INSERT INTO option_snapshots (ticker, captured_at, source) VALUES ('O:NOPE250101C00001000', now(), 'test')"),
  );
  const model = await rejection(
    prisma.optionSnapshot.create({ data: { ticker: 'O:NOPE250101C00001000', capturedAt: new Date(), source: 'test' } }),
  );
  assert.equal((raw as Prisma.PrismaClientKnownRequestError).code, 'P2010');
  assert.equal((model as Prisma.PrismaClientKnownRequestError).code, 'P2003');
  for (const error of [raw, model]) {
    const classified = classifyError(error);
    assert.equal(classified.code, '23503');
    assert.equal(classified.policy.code, '23503');
    assert.equal(classified.policy.action, 'isolate-rows');
    assert.match(classified.message, /violates foreign key constraint "option_snapshots_ticker_fkey"/);
  }
});

test('real unique (P2002) and ON CONFLICT cardinality (21000) violations → isolate-rows', async () => {
  const option = {
    ticker: 'O:DUP250101C00001000',
    underlyingTicker: 'DUP',
    root: 'DUP',
    contractType: 'call',
    expirationDate: new Date('2025-01-01T00:00:00Z'),
    strikePrice: '1',
  } as const;
  await prisma.option.create({ data: option });
  const duplicate = await rejection(prisma.option.create({ data: option }));
  assert.equal((duplicate as Prisma.PrismaClientKnownRequestError).code, 'P2002');
  assert.equal(classifyError(duplicate).code, '23505');
  assert.equal(classifyError(duplicate).policy.action, 'isolate-rows');

  const row = "('O:TWICE250101C00001000', 'T', 'T', 'call', '2025-01-01', 1)";
  const twice = await rejection(
    prisma.$executeRawUnsafe(
      `INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price) VALUES ${row}, ${row}
     ON CONFLICT (ticker) DO UPDATE SET root = EXCLUDED.root`,
    ),
  );
  const classified = classifyError(twice);
  assert.equal(classified.code, '21000');
  assert.equal(classified.policy.action, 'isolate-rows');
  assert.match(classified.message, /cannot affect row a second time/);
});

test('a real XX000 under the model API arrives as P2039 and is classified as a planner error (fresh connection, then fallback)', async () => {
  // A trigger raising the planner bug's exact error stands in for it.
  await pool.query(`CREATE FUNCTION raise_xx000() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'variable not found in subplan target list' USING ERRCODE = 'XX000'; END $$`);
  await pool.query('CREATE TRIGGER raise_xx000 BEFORE INSERT ON options FOR EACH ROW EXECUTE FUNCTION raise_xx000()');
  try {
    const error = await rejection(
      prisma.option.create({
        data: {
          ticker: 'O:XX250101C00001000',
          underlyingTicker: 'XX',
          root: 'XX',
          contractType: 'put',
          expirationDate: new Date('2025-01-01T00:00:00Z'),
          strikePrice: '1',
        },
      }),
    );
    assert.equal((error as Prisma.PrismaClientKnownRequestError).code, 'P2039');
    const classified = classifyError(error);
    assert.equal(classified.code, 'XX000');
    assert.equal(classified.policy.category, 'planner');
    assert.equal(classified.policy.action, 'retry-fresh-connection-then-fallback');
    assert.equal(classified.message, 'variable not found in subplan target list');
  } finally {
    await pool.query('DROP TRIGGER raise_xx000 ON options');
  }
});

/** `option_day_aggs` rows as a flat file has them, for a write buffer. */
function dayAggInputs(count: number): Record<string, string>[] {
  return Array.from({ length: count }, (_, i) => ({
    ticker: formatTicker({ root: 'SPY', expirationDate: '2025-12-19', contractType: 'call', strikeThousandths: 500_000 + i * 1_000 }),
    open: '1.1',
    high: '1.5',
    low: '1',
    close: '1.2',
    volume: String(10 + i),
    window_start: '1763614800000000000',
  }));
}

/** A database of this test's own, with optdb's pool over it sized and timed as `env` says. */
async function ownConnections(label: string, env: Record<string, string>): Promise<TestDatabase & Connections> {
  const own = await ownDatabases.migrated(label);
  return { ...own, ...openConnections(own.url, resolveConfig({}, env)) };
}

test('XX000 end to end: the batch is retried on a different connection (backend pid), then falls back to the next strategy', async () => {
  // One connection in the pool: had the failed connection been given back rather than
  // discarded, the retry would get it again, with the same backend pid.
  const own = await ownConnections('error_policy_xx000', { OPTDB_POOL_SIZE: '1' });
  try {
    // The statement that meets the planner bug rolls back, but sequences do not: each
    // INSERT's backend pid is kept in attempt_pid_<n> (setval), whatever happens next.
    await query(
      own.url,
      `
      CREATE SEQUENCE attempt_seq;
      CREATE SEQUENCE attempt_pid_1 MINVALUE 0; CREATE SEQUENCE attempt_pid_2 MINVALUE 0;
      CREATE SEQUENCE attempt_pid_3 MINVALUE 0; CREATE SEQUENCE attempt_pid_4 MINVALUE 0;
      CREATE FUNCTION planner_bug() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE n bigint := nextval('attempt_seq');
      BEGIN
        IF n <= 4 THEN PERFORM setval(format('attempt_pid_%s', n)::regclass, pg_backend_pid()); END IF;
        IF n <= 2 THEN RAISE EXCEPTION 'variable not found in subplan target list' USING ERRCODE = 'XX000'; END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER planner_bug BEFORE INSERT ON option_day_aggs FOR EACH STATEMENT EXECUTE FUNCTION planner_bug();`,
    );
    const events: WriteEvent[] = [];
    const { strategy, fallbacks } = createStrategyChain('copy', own.pool, own.prisma);
    const inputs = dayAggInputs(5);
    const buffer = dayAggWriteBuffer(strategy, {
      fallbacks,
      concurrency: 1,
      maxBatchRows: inputs.length,
      maxDelayMs: 600_000,
      onEvent: (event) => events.push(event),
    });
    const outcomes = await Promise.all(inputs.map((input) => buffer.write(input)));
    await buffer.close();

    assert.deepEqual(
      outcomes,
      inputs.map(() => 'written'),
    );
    assert.deepEqual(events, [
      { kind: 'retry', code: 'XX000', attempt: 1, rows: 5 },
      { kind: 'fallback', code: 'XX000', from: 'copy', to: 'unnest', rows: 5 },
    ]);
    const [attempts] = await query(
      own.url,
      `SELECT
      (SELECT last_value::int FROM attempt_seq) AS statements,
      (SELECT last_value::int FROM attempt_pid_1) AS first, (SELECT last_value::int FROM attempt_pid_2) AS retry,
      (SELECT last_value::int FROM attempt_pid_3) AS fallback`,
    );
    assert.equal(attempts.statements, 3, 'copy, copy again, then unnest: one INSERT each');
    assert.notEqual(attempts.first, attempts.retry, 'the retry ran on the connection that met XX000');
    assert.notEqual(attempts.retry, attempts.fallback, 'the fallback ran on the connection that met XX000 again');
    const [{ rows }] = await query(own.url, 'SELECT count(*)::int AS rows FROM option_day_aggs');
    assert.equal(rows, 5);
  } finally {
    await own.close();
  }
});

test('a pool acquire timeout end to end: the write gate lowers its limit one step, and the batch is written once connections are free', async () => {
  const own = await ownConnections('error_policy_acquire', { OPTDB_POOL_SIZE: '4', OPTDB_POOL_ACQUIRE_TIMEOUT_MS: '100' });
  // Every connection of the pool is held here, so the batch's first attempt cannot get one.
  const held = await holdEveryConnection(own.pool, 4);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    for (const client of held) client.release();
  };
  try {
    const events: WriteEvent[] = [];
    const inputs = dayAggInputs(3);
    const buffer = dayAggWriteBuffer(createStrategy('copy', own.pool, own.prisma), {
      concurrency: 4,
      maxBatchRows: inputs.length,
      maxDelayMs: 600_000,
      onEvent: (event) => {
        events.push(event);
        if (event.kind === 'retry') release(); // the attempt after this one finds free connections
      },
    });
    const outcomes = await Promise.all(inputs.map((input) => buffer.write(input)));
    await buffer.close();

    assert.deepEqual(
      outcomes,
      inputs.map(() => 'written'),
    );
    // 4 × the default step fraction 0.3, rounded down: one slot fewer.
    assert.deepEqual(events, [
      { kind: 'limit', from: 4, to: 3, target: 4, reason: 'overload' },
      { kind: 'retry', code: 'POOL_ACQUIRE_TIMEOUT', attempt: 1, rows: 3 },
    ]);
    const [{ rows }] = await query(own.url, 'SELECT count(*)::int AS rows FROM option_day_aggs');
    assert.equal(rows, 3);
  } finally {
    release();
    await own.close();
  }
});

test('real statement timeout (57014) and missing table (42P01) through Prisma', async () => {
  const timeout = await rejection(
    prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL statement_timeout = 50');
      await tx.$queryRawUnsafe('SELECT pg_sleep(2)::text');
    }),
  );
  assert.equal(classifyError(timeout).code, '57014');
  assert.equal(classifyError(timeout).policy.action, 'split-then-retry');

  const missing = classifyError(await rejection(prisma.$queryRawUnsafe('SELECT * FROM no_such_table')));
  assert.equal(missing.code, '42P01');
  assert.equal(missing.policy.category, 'schema');
  assert.equal(missing.policy.action, 'stop-with-remedy');
});

test('a real unreachable server through Prisma (P2010 with no SQLSTATE) → like 08001, retry', async () => {
  const unreachable = new pg.Pool({ connectionString: 'postgresql://optdb:secret@127.0.0.1:1/optdb', max: 1 });
  const client = createPrismaClient(unreachable);
  try {
    const error = await rejection(client.$queryRawUnsafe('SELECT 1'));
    assert.equal((error as Prisma.PrismaClientKnownRequestError).code, 'P2010');
    const classified = classifyError(error);
    assert.equal(classified.code, 'P1001');
    assert.equal(classified.policy.code, '08001');
    assert.equal(classified.policy.action, 'retry');
    assert.match(classified.message, /Can't reach database server at 127\.0\.0\.1:1/);
  } finally {
    await client.$disconnect();
    await unreachable.end();
  }
});

test('Prisma codes without a SQLSTATE inside map to their equivalents', () => {
  const cases: readonly (readonly [string, string, ErrorAction])[] = [
    ['P1001', '08001', 'retry'],
    ['P1008', 'ETIMEDOUT', 'retry'],
    ['P1017', '08', 'retry'],
    ['P2024', 'POOL_ACQUIRE_TIMEOUT', 'retry'],
    ['P2028', 'P2028', 'retry'],
    ['P2034', '40001', 'retry'],
    ['P2037', '53300', 'retry'],
    ['P2002', '23505', 'isolate-rows'],
  ];
  for (const [prismaCode, policyCode, action] of cases) {
    const classified = classifyError(knownRequestError(prismaCode));
    assert.deepEqual(
      [prismaCode, classified.code, classified.policy.code, classified.policy.action],
      [prismaCode, prismaCode, policyCode, action],
    );
  }
  assert.equal(classifyError(knownRequestError('P2037')).policy.lowerConcurrency, true);
});

test('P2039 and P2010 use the SQLSTATE inside when there is one, else stop as unknown', () => {
  const planner = knownRequestError('P2039', {
    driverAdapterError: driverAdapterError({
      originalCode: 'XX000',
      originalMessage: 'variable not found in subplan target list',
      kind: 'postgres',
      code: 'XX000',
      severity: 'ERROR',
    }),
  });
  assert.equal(classifyError(planner).policy.action, 'retry-fresh-connection-then-fallback');

  const bare = classifyError(knownRequestError('P2039', undefined, 'Database error'));
  assert.equal(bare.code, 'P2039');
  assert.equal(bare.policy.category, 'unknown');
  assert.equal(bare.policy.action, 'stop');

  // Older engines put the database code straight into meta.
  assert.equal(classifyError(knownRequestError('P2010', { code: '40P01', message: 'deadlock detected' })).code, '40P01');
  // Without meta the code is still in Prisma's message.
  assert.equal(
    classifyError(knownRequestError('P2010', undefined, 'Raw query failed. Code: `55P03`. Message: `could not obtain lock`')).code,
    '55P03',
  );
  // A raw query whose result cannot be read is not a database failure.
  const unsupported = knownRequestError('P2010', {
    driverAdapterError: driverAdapterError({ kind: 'UnsupportedNativeDataType', type: 'void' }),
  });
  assert.equal(classifyError(unsupported).policy.action, 'stop');
});

test('adapter-pg folds ENOTFOUND into DatabaseNotReachable; the missing port tells it apart', () => {
  const notResolved = knownRequestError('P1001', {
    driverAdapterError: driverAdapterError({ kind: 'DatabaseNotReachable', host: 'db.example.invalid', port: undefined }),
  });
  assert.equal(classifyError(notResolved).code, 'ENOTFOUND');
  assert.equal(classifyError(notResolved).policy.action, 'stop-with-remedy');
  const refused = knownRequestError('P1001', {
    driverAdapterError: driverAdapterError({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 }),
  });
  assert.equal(classifyError(refused).policy.action, 'retry');
  const socket = knownRequestError('P1001', {
    driverAdapterError: driverAdapterError({ kind: 'DatabaseNotReachable', host: '/var/run/postgresql/.s.PGSQL.5432', port: undefined }),
  });
  assert.equal(classifyError(socket).policy.action, 'retry');
  assert.equal(classifyError(driverAdapterError({ kind: 'ConnectionClosed' })).policy.code, '08');
});

test('codes are found through .cause chains up to five levels and in AggregateError members', async () => {
  const database = await rejection(pool.query('SELECT 1/0'));
  let wrapped: unknown = database;
  for (let level = 1; level <= 5; level++) wrapped = new Error(`level ${level}`, { cause: wrapped });
  assert.equal(classifyError(wrapped).code, '22012');
  // A wrapper with a code of its own that the table does not know still yields to its cause.
  assert.equal(classifyError(Object.assign(new Error('import failed', { cause: database }), { code: 'TOO_MANY_REJECTS' })).code, '22012');
  // Deeper than five levels is not followed.
  assert.equal(classifyError(new Error('level 6', { cause: wrapped })).policy.category, 'unknown');

  const aggregate = new AggregateError(
    [new Error('first, no code'), systemError('ECONNRESET', 'read ECONNRESET'), systemError('ENOTFOUND', 'x')],
    'all failed',
  );
  assert.equal(classifyError(aggregate).code, 'ECONNRESET');
});

test('credentials are redacted from the message and the unknown meaning', () => {
  const url = 'postgresql://optdb:hunter2@db.example.com:5432/optdb';
  const known = classifyError(systemError('ECONNREFUSED', `could not connect to ${url}`));
  assert.doesNotMatch(known.message, /hunter2/);
  assert.match(known.message, /optdb:\*\*\*\*@db\.example\.com/);
  const unknown = classifyError(Object.assign(new Error(`bad thing near ${url} password=hunter2`), { code: 'ZZ999' }));
  assert.doesNotMatch(unknown.message, /hunter2/);
  assert.doesNotMatch(unknown.policy.meaning, /hunter2/);
  const prismaWrapped = classifyError(
    knownRequestError('P2010', {
      driverAdapterError: driverAdapterError({ originalCode: '08P01', originalMessage: `protocol violation at ${url}`, kind: 'postgres' }),
    }),
  );
  assert.equal(prismaWrapped.policy.code, '08');
  assert.doesNotMatch(prismaWrapped.message, /hunter2/);
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  // A bound only so that a broken test ends: how soon the condition holds is not the test.
  for (let attempt = 0; attempt < 1_500; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail('condition not reached in 30 s');
}

/**
 * The pool's `size` connections, checked out. Opening one may take longer than the short
 * acquire timeout these tests set (a busy machine, SCRAM): such an attempt is simply made
 * again, a bounded number of times.
 */
async function holdEveryConnection(pool: pg.Pool, size: number): Promise<pg.PoolClient[]> {
  const held: pg.PoolClient[] = [];
  for (let failures = 0; held.length < size;) {
    try {
      held.push(await pool.connect());
    } catch (error) {
      if (++failures === 20) throw error;
    }
  }
  return held;
}
