import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { type ConnectedDatabase, connectMigratedDatabase } from './harness/connected-database.js';

let db: ConnectedDatabase;
let pool: pg.Pool;
let prisma: PrismaClient;

before(async () => {
  db = await connectMigratedDatabase('prisma_client');
  ({ pool, prisma } = db);
});
after(() => db.close());

test('the generated client writes through the shared pool with the foreign key assigned directly', async () => {
  await prisma.option.upsert({
    where: { ticker: 'O:SPXW230712C04500000' },
    create: {
      ticker: 'O:SPXW230712C04500000',
      underlyingTicker: 'I:SPX',
      root: 'SPXW',
      contractType: 'call',
      expirationDate: new Date('2023-07-12T00:00:00Z'),
      strikePrice: '4500',
      sharesPerContract: 100,
      exerciseStyle: 'european',
    },
    update: {},
  });
  await prisma.optionSnapshot.upsert({
    where: { ticker_capturedAt: { ticker: 'O:SPXW230712C04500000', capturedAt: new Date('2023-07-12T15:00:00Z') } },
    create: {
      ticker: 'O:SPXW230712C04500000', // direct assignment, no `connect`
      capturedAt: new Date('2023-07-12T15:00:00Z'),
      dayClose: '1.7',
      dayVolume: 41840n,
      dayVwap: '2.5245',
      impliedVolatility: 0.1186,
      delta: 0.1747,
      underlyingPrice: '4483.78',
      source: 'test',
    },
    update: { dayClose: '1.7' },
  });

  // Read back with plain SQL: exact decimals, double precision greeks, the pool is shared.
  const { rows } = await pool.query(
    `SELECT o.strike_price::text, o.expiration_date::text, s.day_vwap::text, s.underlying_price::text, s.day_volume, s.delta
     FROM option_snapshots s JOIN options o USING (ticker)`,
  );
  assert.deepEqual(rows, [
    {
      strike_price: '4500.000',
      expiration_date: '2023-07-12',
      day_vwap: '2.5245',
      underlying_price: '4483.78',
      day_volume: '41840',
      delta: 0.1747,
    },
  ]);
});

test('a snapshot for an unknown contract violates the foreign key (23503)', async () => {
  await assert.rejects(
    prisma.optionSnapshot.create({ data: { ticker: 'O:NOPE251121C00001000', capturedAt: new Date(), source: 'test' } }),
    (error: unknown) => /Foreign key constraint|23503/i.test(String((error as Error).message) + JSON.stringify(error)),
  );
});

test('timestamps keep microseconds when written as text', async () => {
  await pool.query(`INSERT INTO option_snapshots (ticker, captured_at, quote_at, source) VALUES ($1, $2, $3, 'test')`, [
    'O:SPXW230712C04500000',
    '2023-07-12T15:05:00Z',
    '2023-07-12T15:00:23.516476Z',
  ]);
  const { rows } = await pool.query(
    `SELECT to_char(quote_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS quote_at FROM option_snapshots WHERE quote_at IS NOT NULL`,
  );
  assert.deepEqual(rows, [{ quote_at: '2023-07-12T15:00:23.516476' }]);
});
