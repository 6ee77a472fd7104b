import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { findSchemaDrift } from '../src/db/schema-drift.js';
import { createMigratedDatabase, type TestDatabase } from './harness/database.js';

let db: TestDatabase;
let client: pg.Client;

before(async () => {
  db = await createMigratedDatabase('drift');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
after(async () => {
  await client.end();
  await db.drop();
});

test('schema.prisma and the migrated database agree', async () => {
  assert.deepEqual(await findSchemaDrift(client), []);
});

test('every kind of drift is reported, one line each', async () => {
  await client.query('BEGIN');
  try {
    await client.query('ALTER TABLE options ALTER COLUMN root DROP NOT NULL');
    await client.query('ALTER TABLE options ADD COLUMN extra text');
    await client.query('ALTER TABLE option_snapshots ALTER COLUMN delta TYPE numeric');
    await client.query('DROP INDEX options_underlying_expiration_strike_idx');
    await client.query('ALTER TABLE option_day_aggs DROP CONSTRAINT option_day_aggs_ticker_fkey');
    await client.query('ALTER TABLE option_day_aggs ADD CONSTRAINT volume_unique UNIQUE (volume)');
    await client.query("ALTER TYPE exercise_style ADD VALUE 'asian'");
    await client.query('ALTER TABLE option_day_aggs DROP CONSTRAINT option_day_aggs_pkey');
    await client.query('CREATE TABLE stray (id int)');

    const drift = await findSchemaDrift(client);
    const expectations = [
      /options\.root: NOT NULL in schema\.prisma, nullable in the database/,
      /options\.extra: in the database, missing in schema\.prisma/,
      /option_snapshots\.delta: type double precision in schema\.prisma, numeric in the database/,
      /options: index options_underlying_expiration_strike_idx\(underlying_ticker,expiration_date,strike_price\): in schema\.prisma, missing/,
      /option_day_aggs: foreign key \(ticker\) -> options\(ticker\) ON DELETE RESTRICT ON UPDATE CASCADE: in schema\.prisma, missing/,
      /option_day_aggs: unique volume: in the database, missing in schema\.prisma/,
      /enum exercise_style: schema has \(american,european,bermudan\), database has \(american,european,bermudan,asian\)/,
      /option_day_aggs: primary key \(ticker,day\) in schema\.prisma, \(\) in the database/,
      /table stray: in the database, missing in schema\.prisma/,
    ];
    for (const expected of expectations) {
      assert.ok(drift.some((line) => expected.test(line)), `expected ${expected} in:\n${drift.join('\n')}`);
    }
    assert.equal(drift.length, expectations.length, drift.join('\n'));
  } finally {
    await client.query('ROLLBACK');
  }
  assert.deepEqual(await findSchemaDrift(client), []);
});
