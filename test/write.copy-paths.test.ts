/**
 * The copy strategy's shortcuts, each against what it must not change:
 *  - rows whose keys are all new are COPYed straight into the table; a batch that meets
 *    an existing key — stored already, or written by a concurrent writer — falls back to
 *    the merge and ends exactly as the merge alone would have left it;
 *  - contracts already stored and unchanged are not written again, while a contract that
 *    a later source knows more about still gets its new values.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { resolveConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { contractFromTicker, type ContractRow } from '../src/domain/contract.js';
import { formatTicker, parseTicker } from '../src/domain/ticker.js';
import { type Batch, Batcher } from '../src/write/batch.js';
import { DayPartitionSet } from '../src/db/day-partitions.js';
import { CopyMergeStrategy } from '../src/write/copy-merge.js';
import { DAY_AGGS, SNAPSHOTS, type TableRow } from '../src/write/tables.js';
import { createMigratedDatabase, type TestDatabase } from './harness/database.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function connect(label: string): Promise<{ db: TestDatabase; pool: pg.Pool }> {
  const db = await createMigratedDatabase(label);
  const pool = createPool(db.url, resolveConfig({}, { OPTDB_POOL_SIZE: '4' }));
  cleanups.push(async () => {
    await pool.end();
    await db.drop();
  });
  return { db, pool };
}

function tickerFor(i: number): string {
  return formatTicker({ root: 'AAPL', expirationDate: '2025-12-19', contractType: 'call', strikeThousandths: 100_000 + i * 2_500 });
}

function contractOf(ticker: string, known: Parameters<typeof contractFromTicker>[1] = {}): ContractRow {
  const parsed = parseTicker(ticker);
  assert.ok(parsed.ok);
  return contractFromTicker(parsed.value, known);
}

/** Day bars for contracts `from`..`to`-1 on `day`, their close shifted by `closeShift`. */
function dayBatch(from: number, to: number, day: string, closeShift = 0): Batch {
  const batcher = new Batcher(DAY_AGGS, { maxRows: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER });
  for (let i = from; i < to; i++) {
    const ticker = tickerFor(i);
    const row: TableRow = {
      ticker,
      day,
      open: '1',
      high: '3',
      low: '0.5',
      close: String(1 + closeShift + i / 1000),
      volume: String(i),
      transactions: null,
    };
    batcher.add(row, contractOf(ticker), i + 1);
  }
  return batcher.flush()!;
}

const DAY_DUMP = 'SELECT ticker, day::text, close::text, volume::text FROM option_day_aggs ORDER BY ticker, day';

async function dump(pool: pg.Pool, sql: string): Promise<string[]> {
  return (await pool.query(sql)).rows.map((row) => JSON.stringify(row));
}

test('a batch meeting stored keys falls back to the merge: new rows inserted, changed ones updated, unchanged ones untouched', async () => {
  const fast = await connect('copy_paths_fallback');
  const merged = await connect('copy_paths_merge_only');

  // The same writes through a fresh strategy (which tries the direct COPY first) and
  // through one that has just met existing keys (which merges directly).
  const results: string[][] = [];
  for (const { pool } of [fast, merged]) {
    const strategy = new CopyMergeStrategy(pool);
    const first = await strategy.write(dayBatch(0, 20, '2025-11-20'));
    assert.deepEqual({ ...first }, { inserted: 20, updated: 0, unchanged: 0, contractsCreated: 20, contractsUpdated: 0 });
    if (pool === merged.pool) await strategy.write(dayBatch(0, 1, '2025-11-20'));

    const untouched = await dump(pool, `SELECT ticker, xmin::text FROM option_day_aggs WHERE ticker < '${tickerFor(10)}' ORDER BY 1`);
    // Rows 0–9 as stored, 10–19 with a new close, 20–29 new: one batch in key order.
    const batch = dayBatch(0, 30, '2025-11-20');
    const changed = batch.rows.map((row, i) => (i >= 10 && i < 20 ? { ...row, close: '9.99' } : row));
    const counts = await strategy.write({ ...batch, rows: changed });
    assert.deepEqual({ ...counts }, { inserted: 10, updated: 10, unchanged: 10, contractsCreated: 10, contractsUpdated: 0 });
    assert.deepEqual(
      await dump(pool, `SELECT ticker, xmin::text FROM option_day_aggs WHERE ticker < '${tickerFor(10)}' ORDER BY 1`),
      untouched,
      'unchanged rows got new row versions',
    );
    results.push(await dump(pool, DAY_DUMP));

    // A new day after the fall-back: all keys new again, all inserted.
    const next = await strategy.write(dayBatch(0, 30, '2025-11-21'));
    assert.deepEqual({ ...next }, { inserted: 30, updated: 0, unchanged: 30 - 30, contractsCreated: 0, contractsUpdated: 0 });
  }
  assert.equal(results[0]!.length, 30);
  assert.deepEqual(results[0], results[1], 'the fall-back left the table as the merge alone does');
});

test('a batch meeting keys a concurrent writer holds waits for them, then falls back and writes its own values', async () => {
  const { db, pool } = await connect('copy_paths_concurrent');
  const strategy = new CopyMergeStrategy(pool);
  await strategy.write(dayBatch(0, 5, '2025-11-19'));
  // The day the other writer writes has its partition, as any optdb writer makes sure.
  await new DayPartitionSet(pool).ensure('2025-11-20');

  // Another writer creates one of the batch's new contracts and one of its rows, and
  // holds its transaction open.
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  cleanups.push(() => other.end());
  await other.query('BEGIN');
  await other.query(
    `INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price)
                     VALUES ($1, 'AAPL', 'AAPL', 'call', '2025-12-19', 115)`,
    [tickerFor(6)],
  );
  await other.query(`INSERT INTO option_day_aggs (ticker, day, open, high, low, close, volume) VALUES ($1, '2025-11-20', 1, 1, 1, 1, 1)`, [
    tickerFor(3),
  ]);

  const writing = strategy.write(dayBatch(0, 8, '2025-11-20'));
  // The batch's inserts wait on the other transaction's keys.
  const waiting = async () =>
    (
      await pool.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'transactionid'`,
      )
    ).rows[0].n as number;
  for (let i = 0; (await waiting()) === 0; i++) {
    assert.ok(i < 200, 'the batch never waited on the concurrent writer');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await other.query('COMMIT');

  const counts = await writing;
  assert.deepEqual({ ...counts }, { inserted: 7, updated: 1, unchanged: 0, contractsCreated: 2, contractsUpdated: 0 });
  const { rows } = await pool.query(`SELECT close::text FROM option_day_aggs WHERE ticker = $1 AND day = '2025-11-20'`, [tickerFor(3)]);
  assert.deepEqual(rows, [{ close: '1.003' }], 'the batch, written after the other writer, has the last word');
  assert.equal((await pool.query(`SELECT count(*)::int AS n FROM option_day_aggs WHERE day = '2025-11-20'`)).rows[0].n, 8);
  assert.equal((await pool.query('SELECT count(*)::int AS n FROM options')).rows[0].n, 8);
});

test('known contracts are not rewritten; one a later source knows more about is enriched, and again when it changes', async () => {
  const { pool } = await connect('copy_paths_contracts');
  const strategy = new CopyMergeStrategy(pool);
  const versions = () =>
    dump(pool, 'SELECT ticker, xmin::text, underlying_ticker, primary_exchange, exercise_style FROM options ORDER BY 1');

  // Day bars create the contracts with what their tickers say.
  const created = await strategy.write(dayBatch(0, 10, '2025-11-19'));
  assert.equal(created.contractsCreated, 10);
  const afterCreate = await versions();

  // The next day's bars name the same contracts, and know nothing more: nothing written.
  const known = await strategy.write(dayBatch(0, 10, '2025-11-20'));
  assert.deepEqual([known.contractsCreated, known.contractsUpdated], [0, 0]);
  assert.deepEqual(await versions(), afterCreate, 'known contracts got new row versions');

  // Snapshots of half of them know the exchange and exercise style.
  const snapshotBatch = (count: number, exchange: string): Batch => {
    const batcher = new Batcher(SNAPSHOTS, { maxRows: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER });
    for (let i = 0; i < count; i++) {
      const ticker = tickerFor(i);
      batcher.add(
        { ticker, captured_at: '2025-11-20T15:30:00.000000Z', source: 'polygon' },
        contractOf(ticker, { underlyingTicker: 'AAPL', exerciseStyle: 'american', primaryExchange: exchange }),
        i + 1,
      );
    }
    return batcher.flush()!;
  };
  const enriched = await strategy.write(snapshotBatch(5, 'BATO'));
  assert.deepEqual([enriched.contractsCreated, enriched.contractsUpdated], [0, 5]);
  const rows = (await pool.query('SELECT ticker, primary_exchange, exercise_style FROM options ORDER BY 1')).rows;
  assert.deepEqual(
    rows.map((r) => [r.primary_exchange, r.exercise_style]),
    [...Array(5).fill(['BATO', 'american']), ...Array(5).fill([null, null])],
  );

  // The same knowledge again: nothing written; a changed exchange: written.
  const afterEnrich = await versions();
  const same = await strategy.write(snapshotBatch(5, 'BATO'));
  assert.equal(same.contractsUpdated, 0);
  assert.deepEqual(await versions(), afterEnrich);
  const moved = await strategy.write(snapshotBatch(2, 'XCBO'));
  assert.equal(moved.contractsUpdated, 2);
  assert.deepEqual(
    (await pool.query('SELECT primary_exchange FROM options ORDER BY ticker LIMIT 3')).rows.map((r) => r.primary_exchange),
    ['XCBO', 'XCBO', 'BATO'],
  );
});
