import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { attachDay, createBareDayTable, loadingTableName } from '../src/db/day-partitions.js';
import { deadRowsStatus, hitRatioStatus, maintenance, xidAgeStatus } from '../src/doctor/maintenance.js';
import { LOAD_OWNER_PREFIX } from '../src/write/day-load.js';
import { TestDatabases } from './harness/database.js';
import { resultFor, runFamily } from './harness/doctor.js';
import { query, queryOne } from './harness/sql.js';

const databases = new TestDatabases();
after(() => databases.dropAll());

const IDS = [
  'maintenance.dead-rows',
  'maintenance.xid-age',
  'maintenance.cache-hit',
  'maintenance.sizes',
  'maintenance.indexes',
  'maintenance.day-loads',
];

test('a fresh database passes every maintenance check', async () => {
  const db = await databases.migrated('doctor_maintenance_fresh');
  const results = await runFamily(maintenance, { url: db.url });
  assert.deepEqual(
    results.map((r) => r.id),
    IDS,
  );
  for (const result of results) assert.equal(result.status, 'pass', `${result.id}: ${result.summary}`);
  const xid = resultFor(results, 'maintenance.xid-age');
  assert.ok(Number(xid.details?.age) > 0 && Number(xid.details?.age) < 2 ** 30);
  const sizes = resultFor(results, 'maintenance.sizes');
  assert.deepEqual((sizes.details?.tables as { table: string }[]).map((t) => t.table).sort(), [
    'import_batches',
    'option_day_aggs',
    'option_snapshots',
    'options',
  ]);
});

test('dead rows over 20 % of live (and over 10,000) warn, naming the table and its disabled autovacuum', async () => {
  const db = await databases.migrated('doctor_maintenance_dead');
  // Autovacuum must not clean up before doctor looks: disabled on this table only.
  await query(db.url, 'ALTER TABLE import_batches SET (autovacuum_enabled = false)');
  await query(
    db.url,
    `INSERT INTO import_batches (import_id, first_record, last_record, rows) SELECT 'dead-rows', n, n, 1 FROM generate_series(1, 50000) AS n`,
  );
  await query(db.url, `DELETE FROM import_batches WHERE first_record <= 30000`);
  // The deleting session reports its counts when it ends; wait until they are visible.
  const deadline = Date.now() + 20_000;
  let dead = 0;
  while (dead < 30_000 && Date.now() < deadline) {
    dead = (await queryOne(db.url, `SELECT n_dead_tup::int AS dead FROM pg_stat_user_tables WHERE relname = 'import_batches'`)).dead;
    if (dead < 30_000) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(dead, 30_000, 'the statistics never showed the deleted rows');

  const deadRows = resultFor(await runFamily(maintenance, { url: db.url }), 'maintenance.dead-rows');
  assert.equal(deadRows.status, 'warn');
  assert.match(
    deadRows.summary,
    /^import_batches: 30000 dead rows = 150 % of 20000 live, last vacuum never, autovacuum disabled on the table$/,
  );
  assert.match(
    deadRows.remedy ?? '',
    /^VACUUM \(ANALYZE\) import_batches; re-enable autovacuum: ALTER TABLE import_batches RESET \(autovacuum_enabled\)/,
  );

  await query(db.url, 'VACUUM import_batches');
  const vacuumed = resultFor(await runFamily(maintenance, { url: db.url }), 'maintenance.dead-rows');
  assert.equal(vacuumed.status, 'pass', vacuumed.summary);
});

test('an invalid index left by a failed CREATE UNIQUE INDEX CONCURRENTLY fails', async () => {
  const db = await databases.migrated('doctor_maintenance_invalid');
  await query(
    db.url,
    `INSERT INTO import_batches (import_id, first_record, last_record, rows) SELECT 'same-rows', n, n, 7 FROM generate_series(1, 10) AS n`,
  );
  await assert.rejects(
    query(db.url, 'CREATE UNIQUE INDEX CONCURRENTLY import_batches_rows_key ON import_batches (rows)'),
    /could not create unique index/,
  );
  const { valid } = await queryOne(
    db.url,
    `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'import_batches_rows_key'::regclass`,
  );
  assert.equal(valid, false);

  const indexes = resultFor(await runFamily(maintenance, { url: db.url }), 'maintenance.indexes');
  assert.equal(indexes.status, 'fail');
  assert.match(indexes.summary, /^invalid index\(es\) import_batches_rows_key on import_batches: never used by the planner/);
  assert.match(indexes.remedy ?? '', /DROP INDEX CONCURRENTLY import_batches_rows_key/);
});

test("a duplicate index warns and names the copy to drop, never the constraint's or the migration's index", async () => {
  const db = await databases.migrated('doctor_maintenance_duplicate');
  await query(db.url, 'CREATE INDEX day_again ON option_day_aggs (day)');
  await query(db.url, 'CREATE UNIQUE INDEX options_ticker_again ON options (ticker)');
  // Not duplicates: other columns, or a predicate.
  await query(db.url, 'CREATE INDEX day_partial ON option_day_aggs (day) WHERE volume > 0');

  const indexes = resultFor(await runFamily(maintenance, { url: db.url }), 'maintenance.indexes');
  assert.equal(indexes.status, 'warn');
  assert.equal(
    indexes.summary,
    'duplicate indexes (same table, columns, expressions and predicate): option_day_aggs_day_idx = day_again on option_day_aggs; options_pkey = options_ticker_again on options — every write maintains each of them',
  );
  assert.equal(indexes.remedy, 'DROP INDEX CONCURRENTLY day_again; DROP INDEX CONCURRENTLY options_ticker_again');
});

test('the thresholds: dead share and count, wraparound at 50 % / 75 %, hit ratio once there are enough reads', () => {
  assert.equal(deadRowsStatus(100_000, 20_001), 'warn');
  assert.equal(deadRowsStatus(100_000, 20_000), 'pass');
  assert.equal(deadRowsStatus(1_000, 9_000), 'pass', 'few dead rows in absolute terms');
  assert.equal(xidAgeStatus(200_000_000), 'pass');
  assert.equal(xidAgeStatus(1_073_741_824), 'warn');
  assert.equal(xidAgeStatus(1_610_612_736), 'fail');
  assert.equal(hitRatioStatus(9_000, 1_000), 'pass', 'too few blocks to judge');
  assert.equal(hitRatioStatus(98_000, 2_000), 'warn');
  assert.equal(hitRatioStatus(99_500, 500), 'pass');
});

test('a day load not attached warns, naming its input; a partitioned table is sized over its partitions', async () => {
  const db = await databases.migrated('doctor_maintenance_day_load');
  const owner = `${LOAD_OWNER_PREFIX}/data/bars-2025-11-20.csv|66355002|${'ab'.repeat(32)}`;
  await query(
    db.url,
    `INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price)
       SELECT 'O:MSFT251219C' || lpad(n::text, 8, '0'), 'MSFT', 'MSFT', 'call', '2025-12-19', n FROM generate_series(1, 2000) n;
     ${createBareDayTable(loadingTableName('2025-11-20'))};
     COMMENT ON TABLE ${loadingTableName('2025-11-20')} IS '${owner}';
     INSERT INTO ${loadingTableName('2025-11-20')} SELECT ticker, '2025-11-20', 1, 2, 0.5, 1.5, 10, NULL FROM options;
     ANALYZE ${loadingTableName('2025-11-20')}`,
  );
  const waiting = resultFor(await runFamily(maintenance, { url: db.url }), 'maintenance.day-loads');
  assert.equal(waiting.status, 'warn');
  assert.match(waiting.summary, /option_day_aggs_load_20251120 \(about 2000 rows, of \/data\/bars-2025-11-20\.csv\)/);
  assert.match(waiting.remedy ?? '', /run `optdb ingest` of \/data\/bars-2025-11-20\.csv again/);

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await attachDay(client, loadingTableName('2025-11-20'), '2025-11-20');
  } finally {
    await client.end();
  }
  const results = await runFamily(maintenance, { url: db.url });
  assert.equal(resultFor(results, 'maintenance.day-loads').status, 'pass');
  const tables = resultFor(results, 'maintenance.sizes').details?.tables as { table: string; heapBytes: number }[];
  assert.ok(tables.find((t) => t.table === 'option_day_aggs')!.heapBytes > 0, 'the partition was not counted');
});
