/**
 * optdb as a library: a program that embeds it imports everything from the public entry
 * (src/index.ts, shipped as the package's `optdb` export) and runs the code of
 * docs/library.md — configuration, the database, migrations, one pool shared by Prisma and
 * optdb's SQL, the write buffers and the ingest pipeline — against a real PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as optdb from '../src/index.js';
import {
  createPool,
  createPrismaClient,
  createStrategy,
  DAY_AGGS,
  DEFAULT_BATCH_LIMITS,
  findSchemaDrift,
  ingest,
  migrate,
  migrationStatus,
  OptdbError,
  OptdbMetrics,
  openDatabase,
  parseTicker,
  readMigrationFiles,
  RejectSink,
  resolveConfig,
  snapshotWriteBuffer,
  validateDayAgg,
  WriteBuffer,
  writeSample,
} from '../src/index.js';
import { TestDatabases } from './harness/database.js';
import { DOCUMENTED_RESULT, sampleChain } from './harness/polygon-fixtures.js';
import { samples } from './harness/prometheus.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-library-');
after(() => databases.dropAll());

/** docs/library.md's set-up, as a program runs it: DATABASE_URL in the environment, resolveConfig() reads it. */
async function connect(url: string) {
  process.env.DATABASE_URL = url;
  delete process.env.DIRECT_URL;
  const config = resolveConfig();
  const database = await openDatabase(config);
  const pool = createPool(database.url, config);
  const prisma = createPrismaClient(pool);
  return {
    config,
    database,
    pool,
    prisma,
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
      await database.release();
    },
  };
}

const count = async (url: string, table: string): Promise<number> => (await query(url, `SELECT count(*)::int AS n FROM ${table}`))[0].n;

test("docs/library.md's set-up: resolveConfig → openDatabase → migrate an empty database → one pool shared by Prisma and optdb's SQL", async (t) => {
  const db = await databases.empty('library_setup');
  const { config, database, pool, prisma, close } = await connect(db.url);
  t.after(close);
  assert.equal(config.databaseUrl, db.url);
  assert.deepEqual([database.url, database.directUrl, database.embedded], [db.url, db.url, false]);

  const files = await readMigrationFiles();
  assert.ok(files.length >= 2);
  const migrated = await migrate(database.directUrl);
  assert.deepEqual(migrated, { applied: files.map((file) => file.name), alreadyApplied: 0 });
  assert.deepEqual(await migrate(database.directUrl), { applied: [], alreadyApplied: files.length }, 'a second migrate applies nothing');
  const status = await migrationStatus(database.directUrl);
  assert.equal(status.upToDate, true);
  assert.deepEqual(
    status.entries.map((entry) => entry.state),
    files.map(() => 'applied'),
  );
  const recorded = await query(
    db.url,
    'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
  );
  assert.deepEqual(
    recorded.map((row) => row.migration_name),
    files.map((file) => file.name).sort(),
  );

  // One pool: Prisma's queries take their connection from it.
  assert.equal(pool.totalCount, 0);
  assert.equal(await prisma.option.count(), 0);
  assert.equal(pool.totalCount, 1, "Prisma's query went through optdb's pool");
  const client = await pool.connect();
  try {
    assert.deepEqual(await findSchemaDrift(client), [], 'the migrated database matches schema.prisma');
  } finally {
    client.release();
  }
  assert.equal(pool.totalCount, 1, 'optdb SQL reused the same connection');
});

test("docs/library.md's parseTicker examples", () => {
  const spxw = parseTicker('O:SPXW230712C04500000');
  assert.equal(spxw.ok, true);
  assert.ok(spxw.ok);
  assert.equal(spxw.value.root, 'SPXW');
  assert.equal(spxw.value.expirationDate, '2023-07-12');
  assert.equal(spxw.value.contractType, 'call');
  assert.equal(spxw.value.strikePrice, '4500');
  assert.deepEqual(parseTicker('O:AAPL251321C00150000'), { ok: false, reason: 'bad date: month 13 in "251321"' });
});

test("docs/library.md's many-writers example: snapshotWriteBuffer over createStrategy('copy'); each write resolves once its row is committed", async (t) => {
  const db = await databases.migrated('library_buffer');
  const { pool, prisma, close } = await connect(db.url);
  t.after(close);
  // What a program holds after JSON.parse of API pages: 4,500 results (Polygon's documented one last).
  const results = [...sampleChain('AAPL', 4_499), DOCUMENTED_RESULT].map((text) => JSON.parse(text) as Record<string, any>);
  const metrics = new OptdbMetrics();

  // docs/library.md's code, with the metrics registry docs/metrics.md offers (option `metrics`).
  const buffer = snapshotWriteBuffer(
    createStrategy('copy', pool, prisma),
    { capturedAtMicros: undefined, resolutionMicros: 60_000_000n },
    { metrics },
  );
  const writes = results.map((result) => buffer.write(result));
  // Two writers look from another connection as soon as their write resolves: the row is there.
  const seen = [0, results.length - 1].map((i) =>
    writes[i]!.then(async (outcome) => ({
      outcome,
      rows: await count(db.url, `option_snapshots WHERE ticker = '${results[i]!.details.ticker}'`),
    })),
  );
  const outcomes = await Promise.all(writes);
  assert.deepEqual(await Promise.all(seen), [
    { outcome: 'written', rows: 1 },
    { outcome: 'written', rows: 1 },
  ]);
  assert.equal(outcomes.length, 4_500);
  assert.ok(outcomes.every((outcome) => outcome === 'written'));

  // An invalid row: its write rejects with the reason, and writes nothing.
  const bad = { ...results[0], details: { ...results[0]!.details, ticker: 'O:AAPL251321C00150000' } };
  await assert.rejects(buffer.write(bad), (error: unknown) => {
    assert.ok(error instanceof OptdbError);
    assert.equal(error.code, 'ROW_REJECTED');
    assert.match(error.message, /bad date: month 13 in "251321"/);
    return true;
  });
  // Two writes of one key in the same batch (a contract that traded today): the later replaces the earlier.
  const traded = results.findIndex((result, i) => i > 0 && result.day?.close !== undefined);
  const [first, second] = await Promise.all([
    buffer.write({ ...results[traded], open_interest: 1 }),
    buffer.write({ ...results[traded], open_interest: 2 }),
  ]);
  await buffer.close();
  assert.deepEqual([first, second], ['collapsed', 'written']);
  await assert.rejects(buffer.write(results[2]), /the write buffer is closed/);

  assert.equal(await count(db.url, 'option_snapshots'), 4_500);
  assert.equal(await count(db.url, 'options'), 4_500);
  assert.equal(await count(db.url, `options WHERE ticker = 'O:AAPL251321C00150000'`), 0, 'a rejected row creates no contract');
  const [row] = await query(
    db.url,
    `SELECT open_interest::text, bid::text, ask::text, day_close::text FROM option_snapshots WHERE ticker = $1`,
    [results[traded]!.details.ticker],
  );
  assert.deepEqual(row, {
    open_interest: '2',
    bid: String(results[traded]!.last_quote.bid),
    ask: String(results[traded]!.last_quote.ask),
    day_close: String(results[traded]!.day.close),
  });
  // captured_at: the newest timestamp the result carries, truncated to the minute.
  const [times] = await query(
    db.url,
    `SELECT count(*)::int AS off_minute FROM option_snapshots WHERE date_trunc('minute', captured_at) <> captured_at`,
  );
  assert.equal(times.off_minute, 0);
  const [facts] = await query(
    db.url,
    `SELECT captured_at::text, day_vwap::text, underlying_ticker FROM option_snapshots JOIN options USING (ticker) WHERE ticker = 'O:SPXW230712C04500000'`,
  );
  assert.deepEqual(facts, { captured_at: '2023-07-12 15:00:00+00', day_vwap: '2.5245', underlying_ticker: 'I:SPX' });

  // docs/library.md: batches are cut at 2,000 rows (or 20 ms), three written at once.
  const exposition = samples(await metrics.exposition());
  assert.equal(exposition.get('optdb_batch_duration_seconds_count{strategy="copy"}'), 4, '2,000 + 2,000 + 500, then the collapsed pair');
  assert.equal(exposition.get('optdb_rows_written_total{outcome="inserted"}'), 4_500);
  assert.equal(exposition.get('optdb_rows_written_total{outcome="updated"}'), 1);
  assert.equal(exposition.get('optdb_rows_rejected_total{stage="validation"}'), 1);
  assert.equal(exposition.get('optdb_gate_limit'), 3);
});

test('a WriteBuffer over DAY_AGGS with validateDayAgg takes day_aggs_v1 rows by column name', async (t) => {
  const db = await databases.migrated('library_day_aggs');
  const { pool, prisma, close } = await connect(db.url);
  t.after(close);
  const buffer = new WriteBuffer({ strategy: createStrategy('unnest', pool, prisma), table: DAY_AGGS, validate: validateDayAgg });
  const row = (strike: string, close: string) => ({
    ticker: `O:SPY251121C${strike}`,
    volume: '120',
    open: '1.10',
    close,
    high: '2.05',
    low: '1.00',
    window_start: '1763614800000000000',
    transactions: '17',
  });
  const outcomes = await Promise.all([buffer.write(row('00600000', '2.00')), buffer.write(row('00605000', '1.50'))]);
  await assert.rejects(buffer.write(row('00610000', '3.00')), /close 3\.00 outside \[low 1\.00, high 2\.05\]/);
  await buffer.close();
  assert.deepEqual(outcomes, ['written', 'written']);
  assert.deepEqual(
    await query(db.url, 'SELECT ticker, day::text, open::text, close::text, volume::text FROM option_day_aggs ORDER BY ticker'),
    [
      { ticker: 'O:SPY251121C00600000', day: '2025-11-20', open: '1.10', close: '2.00', volume: '120' },
      { ticker: 'O:SPY251121C00605000', day: '2025-11-20', open: '1.10', close: '1.50', volume: '120' },
    ],
  );
  assert.deepEqual(await query(db.url, 'SELECT ticker, underlying_ticker FROM options ORDER BY ticker'), [
    { ticker: 'O:SPY251121C00600000', underlying_ticker: 'SPY' },
    { ticker: 'O:SPY251121C00605000', underlying_ticker: 'SPY' },
  ]);
});

test('ingest() from the library: writeSample files loaded and counted exactly; a second load changes nothing; a dry run writes nothing', async (t) => {
  const db = await databases.migrated('library_ingest');
  const { pool, prisma, close } = await connect(db.url);
  t.after(close);
  const sample = { underlyings: 4, contracts: 3_000, date: '2025-11-20', seed: 3 };
  const chain = `${dir.path}/chain.ndjson.gz`;
  const bars = `${dir.path}/bars.csv`;
  const chainRows = (await writeSample({ ...sample, out: chain, format: 'chain-ndjson' })).rows;
  const barRows = (await writeSample({ ...sample, out: bars, format: 'day-aggs-csv' })).rows;
  assert.equal(chainRows, 3_000);
  assert.ok(barRows > 0 && barRows < 3_000);

  const options = (rejects: RejectSink, strategy = createStrategy('copy', pool, prisma)) => ({
    strategy,
    concurrency: 2,
    batchLimits: { ...DEFAULT_BATCH_LIMITS, maxRows: 1_000 },
    snapshot: { capturedAtMicros: undefined, resolutionMicros: 60_000_000n },
    rejects,
  });
  const dry = await ingest([chain, bars], { ...options(new RejectSink(undefined)), strategy: undefined });
  assert.deepEqual(
    [dry.dryRun, dry.rowsRead, dry.valid, dry.rejected, dry.inserted],
    [true, chainRows + barRows, chainRows + barRows, 0, 0],
  );
  assert.equal(await count(db.url, 'option_snapshots'), 0, 'a dry run wrote nothing');

  const first = await ingest([chain, bars], options(new RejectSink(undefined)));
  assert.deepEqual(
    [first.rowsRead, first.inserted, first.updated, first.unchanged, first.rejected, first.contractsCreated, first.batches],
    [chainRows + barRows, chainRows + barRows, 0, 0, 0, 3_000, 3 + Math.ceil(barRows / 1_000)],
  );
  assert.deepEqual(first.changedRows, { option_snapshots: chainRows, option_day_aggs: barRows, options: 3_000 });
  assert.equal(await count(db.url, 'option_snapshots'), chainRows);
  assert.equal(await count(db.url, 'option_day_aggs'), barRows);
  assert.equal(await count(db.url, 'options'), 3_000);
  assert.equal(await count(db.url, 'import_batches'), 0, 'without a ledger nothing is recorded for resuming');

  const again = await ingest([chain, bars], options(new RejectSink(undefined), createStrategy('unnest', pool, prisma)));
  assert.deepEqual([again.inserted, again.updated, again.unchanged, again.contractsCreated], [0, 0, chainRows + barRows, 0]);
  assert.equal(await count(db.url, 'option_snapshots'), chainRows);
});

test("the package's own entry (`optdb`, dist/index.js) exports what src/index.ts does", async () => {
  const specifier = 'optdb';
  const built = (await import(specifier)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(built).sort(), Object.keys(optdb).sort());
  for (const name of ['migrate', 'snapshotWriteBuffer', 'createStrategy', 'ingest', 'openDatabase'])
    assert.equal(typeof built[name], 'function', name);
  assert.deepEqual(built.DEFAULT_BATCH_LIMITS, DEFAULT_BATCH_LIMITS);
});
