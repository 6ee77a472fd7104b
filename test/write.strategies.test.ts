import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { resolveConfig } from '../src/config.js';
import { createPool, createPrismaClient } from '../src/db/pool.js';
import { contractFromTicker } from '../src/domain/contract.js';
import { formatTicker, parseTicker } from '../src/domain/ticker.js';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { type Batch, Batcher } from '../src/write/batch.js';
import { createStrategy } from '../src/write/create-strategy.js';
import { STRATEGY_NAMES, type StrategyName } from '../src/write/strategy.js';
import { DAY_AGGS, SNAPSHOTS, type TableRow } from '../src/write/tables.js';
import { createMigratedDatabase, type TestDatabase } from './harness/database.js';

interface Connection {
  db: TestDatabase;
  pool: pg.Pool;
  prisma: PrismaClient;
}
const connections: Connection[] = [];
after(async () => {
  for (const c of connections) {
    await c.prisma.$disconnect();
    await c.pool.end();
    await c.db.drop();
  }
});

async function connect(label: string): Promise<Connection> {
  const db = await createMigratedDatabase(label);
  const pool = createPool(db.url, resolveConfig({}, { OPTDB_POOL_SIZE: '4' }));
  const connection = { db, pool, prisma: createPrismaClient(pool) };
  connections.push(connection);
  return connection;
}

function tickerFor(i: number): string {
  return formatTicker({
    root: i % 7 === 0 ? 'SPXW' : 'AAPL',
    expirationDate: '2025-12-19',
    contractType: i % 2 ? 'put' : 'call',
    strikeThousandths: 100_000 + i * 2_500,
  });
}

/** Snapshot rows with awkward values: microsecond times, long decimals, nulls, a quote in a string. */
function snapshotRows(count: number, variant = 0): { row: TableRow; ticker: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const ticker = tickerFor(i);
    return {
      ticker,
      row: {
        ticker,
        captured_at: '2025-11-20T15:30:00.000000Z',
        day_open: '1.05',
        day_high: `${2 + variant}.123456789012345678`,
        day_low: '0.5',
        day_close: i % 3 ? '1.10' : null,
        day_volume: String(1000 + i),
        day_vwap: '1.0749999',
        day_change: '-0.05',
        day_change_percent: '-4.3478',
        previous_close: '1.15',
        open_interest: String(i * 10),
        implied_volatility: '0.2345',
        delta: i % 2 ? '-0.45' : '0.55',
        gamma: '0.0123',
        theta: '-0.0456',
        vega: '0.0789',
        bid: '1.05',
        bid_size: '12',
        ask: '1.15',
        ask_size: '30',
        quote_at: `2025-11-20T15:29:59.${String(100000 + i).padStart(6, '0')}Z`,
        last_price: '1.1',
        last_size: '2',
        last_exchange: '302',
        last_trade_at: '2025-11-20T15:29:58.123456Z',
        underlying_price: '266.25',
        break_even_price: null,
        source: 'polygon',
      },
    };
  });
}

function batchOf(rows: { row: TableRow; ticker: string }[], knowsUnderlying: boolean): Batch {
  const batcher = new Batcher(SNAPSHOTS, { maxRows: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER });
  rows.forEach(({ row, ticker }, i) => {
    const parsed = parseTicker(ticker);
    assert.ok(parsed.ok);
    const contract = contractFromTicker(
      parsed.value,
      knowsUnderlying
        ? {
            underlyingTicker: parsed.value.root === 'SPXW' ? 'I:SPX' : 'AAPL',
            sharesPerContract: 100,
            exerciseStyle: parsed.value.root === 'SPXW' ? 'european' : 'american',
          }
        : {},
    );
    batcher.add(row, contract, i + 1);
  });
  return batcher.flush()!;
}

async function tableText(pool: pg.Pool, sql: string): Promise<string> {
  return (await pool.query(sql)).rows.map((row) => JSON.stringify(row)).join('\n');
}

const SNAPSHOT_DUMP = `SELECT ticker, captured_at::text, day_open::text, day_high::text, day_low::text, day_close::text, day_volume::text, day_vwap::text,
  day_change::text, day_change_percent::text, previous_close::text, open_interest::text, implied_volatility, delta, gamma, theta, vega,
  bid::text, bid_size::text, ask::text, ask_size::text, QUOTE_AT, last_price::text, last_size::text, last_exchange, LAST_TRADE_AT,
  underlying_price::text, break_even_price::text, source FROM option_snapshots ORDER BY ticker, captured_at`;
const CONTRACT_DUMP = `SELECT ticker, underlying_ticker, root, contract_type, expiration_date::text, strike_price::text, shares_per_contract, exercise_style, primary_exchange FROM options ORDER BY ticker`;

/** Exact microseconds, or milliseconds for comparing with the prisma strategy (JS Dates). */
function snapshotDump(precision: 'us' | 'ms'): string {
  const time = (column: string) =>
    precision === 'us' ? `${column}::text AS ${column}` : `date_trunc('milliseconds', ${column})::text AS ${column}`;
  return SNAPSHOT_DUMP.replace('QUOTE_AT', time('quote_at')).replace('LAST_TRADE_AT', time('last_trade_at'));
}

describe('every strategy writes the same final state', () => {
  const results = new Map<StrategyName, { us: string; ms: string; contracts: string; days: string }>();

  before(async () => {
    for (const name of STRATEGY_NAMES) {
      const c = await connect(`strategy_${name}`);
      const strategy = createStrategy(name, c.pool, c.prisma);
      // Day bars first (contracts created with guessed underlyings), then snapshots that
      // know more (enrichment), then a second version of some snapshots (updates).
      const dayBatcher = new Batcher(DAY_AGGS);
      for (let i = 0; i < 40; i++) {
        const parsed = parseTicker(tickerFor(i));
        assert.ok(parsed.ok);
        dayBatcher.add(
          {
            ticker: parsed.value.ticker,
            day: '2025-11-19',
            open: '1',
            high: '1.5',
            low: '0.9',
            close: '1.2',
            volume: String(i),
            transactions: null,
          },
          contractFromTicker(parsed.value),
          i + 1,
        );
      }
      await strategy.write(dayBatcher.flush()!);
      await strategy.write(batchOf(snapshotRows(60), true));
      const counts = await strategy.write(batchOf(snapshotRows(30, 1), false));
      assert.deepEqual({ ...counts }, { inserted: 0, updated: 30, unchanged: 0, contractsCreated: 0, contractsUpdated: 0 }, name);
      results.set(name, {
        us: await tableText(c.pool, snapshotDump('us')),
        ms: await tableText(c.pool, snapshotDump('ms')),
        contracts: await tableText(c.pool, CONTRACT_DUMP),
        days: await tableText(
          c.pool,
          'SELECT ticker, day::text, open::text, high::text, low::text, close::text, volume::text, transactions FROM option_day_aggs ORDER BY 1, 2',
        ),
      });
    }
  });

  test('copy and unnest agree exactly, microseconds included', () => {
    const copy = results.get('copy')!;
    const unnest = results.get('unnest')!;
    assert.ok(copy.us.split('\n').length === 60);
    assert.equal(unnest.us, copy.us);
    assert.equal(unnest.contracts, copy.contracts);
    assert.equal(unnest.days, copy.days);
  });

  test('prisma agrees with copy (timestamps to the millisecond: Prisma DateTime is a JS Date)', () => {
    const copy = results.get('copy')!;
    const prisma = results.get('prisma')!;
    assert.equal(prisma.ms, copy.ms);
    assert.equal(prisma.contracts, copy.contracts);
    assert.equal(prisma.days, copy.days);
  });

  test('contracts were created with guesses, then enriched, never overwritten by nulls', () => {
    const contracts = results
      .get('copy')!
      .contracts.split('\n')
      .map((line) => JSON.parse(line));
    const spx = contracts.find((c) => c.root === 'SPXW');
    assert.equal(spx.underlying_ticker, 'I:SPX');
    assert.equal(spx.exercise_style, 'european');
    assert.equal(spx.shares_per_contract, 100, 'the later batch that did not know kept the known value');
  });
});

describe('re-writing identical data', () => {
  for (const name of STRATEGY_NAMES) {
    test(`${name}: reports unchanged and creates no new row versions`, async () => {
      const c = await connect(`rewrite_${name}`);
      const strategy = createStrategy(name, c.pool, c.prisma);
      const first = await strategy.write(batchOf(snapshotRows(25), true));
      assert.equal(first.inserted, 25);
      assert.equal(first.contractsCreated, 25);
      const versions = `(SELECT ticker, xmin::text FROM option_snapshots ORDER BY ticker) UNION ALL (SELECT ticker, xmin::text FROM options ORDER BY ticker)`;
      const before = await tableText(c.pool, versions);
      const again = await strategy.write(batchOf(snapshotRows(25), true));
      assert.deepEqual({ ...again }, { inserted: 0, updated: 0, unchanged: 25, contractsCreated: 0, contractsUpdated: 0 });
      assert.equal(await tableText(c.pool, versions), before, 'rows were rewritten');
    });
  }
});

test('duplicates in one batch collapse to the last row', async () => {
  const rows = snapshotRows(3);
  const later = snapshotRows(1, 7)[0]!;
  const batch = batchOf([...rows, later], true);
  assert.equal(batch.rows.length, 3);
  assert.equal(batch.collapsed, 1);
  const c = await connect('collapse');
  const counts = await createStrategy('copy', c.pool, c.prisma).write(batch);
  assert.equal(counts.inserted, 3);
  const { rows: stored } = await c.pool.query('SELECT day_high::text FROM option_snapshots WHERE ticker = $1', [later.ticker]);
  assert.deepEqual(stored, [{ day_high: '9.123456789012345678' }]);
});

test('strings with quotes, backslashes, tabs and newlines survive COPY', async () => {
  const c = await connect('copy_escape');
  const { row, ticker } = snapshotRows(1)[0]!;
  const hostile = 'x\'); DROP TABLE options; --\\t\t\n\r"';
  const parsed = parseTicker(ticker);
  assert.ok(parsed.ok);
  const batcher = new Batcher(SNAPSHOTS);
  batcher.add({ ...row!, source: hostile }, contractFromTicker(parsed.value, { primaryExchange: hostile }), 1);
  for (const name of ['copy', 'unnest'] as const) {
    await createStrategy(name, c.pool, c.prisma).write(
      batcher.flush() ??
        (batcher.add({ ...row!, source: hostile }, contractFromTicker(parsed.value, { primaryExchange: hostile }), 1), batcher.flush()!),
    );
    const { rows } = await c.pool.query('SELECT s.source, o.primary_exchange FROM option_snapshots s JOIN options o USING (ticker)');
    assert.deepEqual(rows, [{ source: hostile, primary_exchange: hostile }], name);
  }
});
