/**
 * option_day_aggs by day, and a new day's load, each against what it must not change:
 *  - a day file is loaded apart and attached as the day's partition, with the parent's key,
 *    index and checked foreign key, and leaves the table exactly as the merge path does;
 *  - a key given twice in different batches cannot be attached: the load is merged instead,
 *    the later row kept and every row still in one count;
 *  - a day another writer wrote while the load ran: the load is merged into its partition;
 *  - the migration turns a filled table into the partitioned one without losing a row.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { DayPartitionSet, loadingTableName } from '../src/db/day-partitions.js';
import { migrate } from '../src/db/migrator.js';
import { readMigrationFiles } from '../src/db/migration-files.js';
import { createPool } from '../src/db/pool.js';
import { contractFromTicker } from '../src/domain/contract.js';
import { formatTicker, parseTicker } from '../src/domain/ticker.js';
import { ingestFiles, resolveConfig } from '../src/index.js';
import { Batcher } from '../src/write/batch.js';
import { CopyMergeStrategy } from '../src/write/copy-merge.js';
import { DAY_AGGS } from '../src/write/tables.js';
import { createEmptyDatabase, TestDatabases } from './harness/database.js';
import { queryOne } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-day-load-');
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await databases.dropAll();
});

const DAY = '2025-11-20';
const HEADER = 'ticker,volume,open,close,high,low,window_start,transactions';
// 2025-11-20 00:00 in New York, as the flat files give it (Unix nanoseconds).
const WINDOW_START = '1763614800000000000';

function tickerFor(i: number): string {
  return formatTicker({
    root: 'MSFT',
    expirationDate: '2025-12-19',
    contractType: i % 2 ? 'put' : 'call',
    strikeThousandths: 300_000 + i * 1_000,
  });
}

function barLine(i: number, close = String(1 + i / 100)): string {
  return `${tickerFor(i)},${100 + i},1,${close},99,0.5,${WINDOW_START},${i}`;
}

const TABLE_DUMP = `SELECT count(*)::int AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM option_day_aggs t`;

const PARTITION_SHAPE = `
  SELECT c.relname AS partition,
         (SELECT array_agg(con.contype::text || ':' || con.convalidated ORDER BY con.contype) FROM pg_constraint con WHERE con.conrelid = c.oid AND con.contype IN ('c', 'f', 'p')) AS constraints,
         (SELECT count(*)::int FROM pg_index ix WHERE ix.indrelid = c.oid) AS indexes
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'option_day_aggs'::regclass`;

async function ingestText(label: string, url: string, text: string, options: Parameters<typeof ingestFiles>[2] = {}) {
  const file = await dir.write(`${label}.csv`, text);
  return ingestFiles(resolveConfig({}, { DATABASE_URL: url }), [file], options);
}

test('a new day is loaded apart and attached whole: key, index and foreign key as the merge path leaves them', async () => {
  const lines = [HEADER, ...Array.from({ length: 2_500 }, (_, i) => barLine(i))].join('\n') + '\n';
  const loaded = await databases.migrated('day_load_attach');
  const summary = await ingestText('attach', loaded.url, lines, { batchSize: 1_000 });
  assert.deepEqual([summary.inserted, summary.updated, summary.unchanged, summary.collapsed], [2_500, 0, 0, 0]);

  assert.deepEqual(await queryOne(loaded.url, PARTITION_SHAPE), {
    partition: 'option_day_aggs_20251120',
    // c: the bound's CHECK; f: the foreign key to options, validated; p: the key.
    constraints: ['c:true', 'f:true', 'p:true'],
    indexes: 2,
  });
  assert.equal((await queryOne(loaded.url, `SELECT to_regclass('${loadingTableName(DAY)}') AS t`)).t, null);

  const merged = await databases.migrated('day_load_merge_path');
  await ingestText('attach-unnest', merged.url, lines, { batchSize: 1_000, strategy: 'unnest' });
  assert.deepEqual(await queryOne(loaded.url, TABLE_DUMP), await queryOne(merged.url, TABLE_DUMP));

  // The same day again (another file): the partition exists, the ordinary path finds every row unchanged.
  const again = await ingestText('attach-again', loaded.url, lines);
  assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 2_500]);
});

test('a key given twice in different batches: the load is merged, the later row kept, every row counted once', async () => {
  const lines = [HEADER, ...Array.from({ length: 30 }, (_, i) => barLine(i)), barLine(3, '7.77'), barLine(4)].join('\n') + '\n';
  const db = await databases.migrated('day_load_duplicates');
  const summary = await ingestText('duplicates', db.url, lines, { batchSize: 10 });
  assert.equal(summary.rowsRead, 32);
  assert.deepEqual([summary.inserted, summary.updated, summary.unchanged, summary.collapsed], [30, 0, 0, 2]);
  const { close } = await queryOne(db.url, `SELECT close::text FROM option_day_aggs WHERE ticker = '${tickerFor(3)}'`);
  assert.equal(close, '7.77');
  assert.equal((await queryOne(db.url, PARTITION_SHAPE)).partition, 'option_day_aggs_20251120');
  assert.equal((await queryOne(db.url, `SELECT to_regclass('${loadingTableName(DAY)}') AS t`)).t, null);
});

test('a day another writer wrote while the load ran: the load is merged into its partition', async () => {
  const db = await databases.migrated('day_load_taken');
  const pool = createPool(db.url, resolveConfig({}, { OPTDB_POOL_SIZE: '3' }));
  cleanups.push(() => pool.end());
  const strategy = new CopyMergeStrategy(pool, new DayPartitionSet(pool), { loadNewDays: true });
  const batcher = new Batcher(DAY_AGGS);
  for (let i = 0; i < 20; i++) {
    const parsed = parseTicker(tickerFor(i));
    assert.ok(parsed.ok);
    batcher.add(
      { ticker: tickerFor(i), day: DAY, open: '1', high: '9', low: '0.5', close: '2', volume: '5', transactions: null },
      contractFromTicker(parsed.value),
      i + 1,
    );
  }
  assert.equal((await strategy.write(batcher.flush()!)).inserted, 20);
  assert.equal((await queryOne(db.url, `SELECT count(*)::int AS n FROM ${loadingTableName(DAY)}`)).n, 20);

  // Meanwhile another writer creates the day's partition and stores two of the keys: one as loaded, one otherwise.
  await new DayPartitionSet(pool).ensure(DAY);
  await pool.query(
    `INSERT INTO option_day_aggs (ticker, day, open, high, low, close, volume) VALUES ($1, $3, 1, 9, 0.5, 2, 5), ($2, $3, 1, 9, 0.5, 3, 5)`,
    [tickerFor(0), tickerFor(1), DAY],
  );

  const correction = await strategy.finishInput(undefined);
  // Of the 20 first counted as inserted: 18 were, one was stored the same (unchanged), one changed (updated).
  assert.deepEqual({ ...correction }, { inserted: -2, updated: 1, unchanged: 1, contractsCreated: 0, contractsUpdated: 0, collapsed: 0 });
  assert.equal((await queryOne(db.url, 'SELECT count(*)::int AS n FROM option_day_aggs')).n, 20);
  assert.equal((await queryOne(db.url, `SELECT close::text FROM option_day_aggs WHERE ticker = '${tickerFor(1)}'`)).close, '2');
  assert.equal((await queryOne(db.url, `SELECT to_regclass('${loadingTableName(DAY)}') AS t`)).t, null);
});

test('the migration to day partitions keeps every row of a filled table, attached as the partition of its range', async () => {
  const db = await createEmptyDatabase('day_load_migration');
  cleanups.push(() => db.drop());
  const files = await readMigrationFiles();
  const before = files.filter((file) => file.name < '20261204030000_day_aggs_by_day');
  assert.equal(before.length, files.length - 1, 'the migration under test is not the last one: filter by name');
  await migrate(db.url, before);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  cleanups.push(() => client.end());
  await client.query(`
    INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price)
      SELECT 'O:MSFT251219C' || lpad(n::text, 8, '0'), 'MSFT', 'MSFT', 'call', '2025-12-19', n FROM generate_series(1, 300) n;
    INSERT INTO option_day_aggs (ticker, day, open, high, low, close, volume)
      SELECT 'O:MSFT251219C' || lpad(n::text, 8, '0'), DATE '2025-11-17' + d, 1, 2, 0.5, n * d, n FROM generate_series(1, 300) n, generate_series(0, 4) d`);
  const filled = (await client.query(TABLE_DUMP)).rows[0];

  await migrate(db.url);
  assert.deepEqual((await client.query(TABLE_DUMP)).rows[0], filled);
  assert.deepEqual((await client.query(PARTITION_SHAPE)).rows, [
    { partition: 'option_day_aggs_20251117_20251122', constraints: ['f:true', 'p:true'], indexes: 2 },
  ]);
  // A later day gets its own partition; a day of the old range goes where it was.
  const config = resolveConfig({}, { DATABASE_URL: db.url });
  // 2025-11-24 00:00 in New York.
  const later = await dir.write('later.csv', [HEADER, barLine(1).replace(WINDOW_START, '1763960400000000000')].join('\n') + '\n');
  assert.equal((await ingestFiles(config, [later])).inserted, 1);
  assert.equal((await client.query(PARTITION_SHAPE)).rows.length, 2);
});

test('two inputs of the same new day at once: one loads it, the other writes it the ordinary way, and the load merges', async () => {
  // Rows 0–2999 and 2000–4999: the thousand shared rows are the same in both inputs.
  const first = [HEADER, ...Array.from({ length: 3_000 }, (_, i) => barLine(i))].join('\n') + '\n';
  const second = [HEADER, ...Array.from({ length: 3_000 }, (_, i) => barLine(2_000 + i))].join('\n') + '\n';
  const db = await databases.migrated('day_load_two_inputs');
  const summaries = await Promise.all([
    ingestText('same-day-first', db.url, first, { batchSize: 500 }),
    ingestText('same-day-second', db.url, second, { batchSize: 500 }),
  ]);
  const total = (key: 'inserted' | 'updated' | 'unchanged') => summaries.reduce((sum, summary) => sum + summary[key], 0);
  assert.deepEqual([total('inserted'), total('updated'), total('unchanged')], [5_000, 0, 1_000]);

  const reference = await databases.migrated('day_load_two_inputs_reference');
  await ingestText('same-day-first-ref', reference.url, first, { strategy: 'unnest' });
  await ingestText('same-day-second-ref', reference.url, second, { strategy: 'unnest' });
  assert.deepEqual(await queryOne(db.url, TABLE_DUMP), await queryOne(reference.url, TABLE_DUMP));
  assert.equal((await queryOne(db.url, PARTITION_SHAPE)).partition, 'option_day_aggs_20251120');
  assert.equal((await queryOne(db.url, `SELECT to_regclass('${loadingTableName(DAY)}') AS t`)).t, null);
});
