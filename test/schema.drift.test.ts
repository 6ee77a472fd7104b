import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { BUNDLED_SCHEMA_PATH, findSchemaDrift, shapeFromDatabase, shapeFromPrismaSchema } from '../src/db/schema-drift.js';
import { attachDay, createBareDayTable, dayPartitionName, loadingTableName } from '../src/db/day-partitions.js';
import { compareWithTables, findTableDrift } from '../src/db/table-drift.js';
import { type Column, type Table, TABLES } from '../src/schema/tables.js';
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

test('schema.prisma and the migrated database agree, with day partitions and a day load under way', async () => {
  assert.deepEqual(await findSchemaDrift(client), []);
  await client.query('BEGIN');
  try {
    await client.query(createBareDayTable(dayPartitionName('2025-11-20')));
    await attachDay(client, dayPartitionName('2025-11-20'), '2025-11-20');
    await client.query(createBareDayTable(loadingTableName('2025-11-21')));
    assert.deepEqual(await findSchemaDrift(client), []);
  } finally {
    await client.query('ROLLBACK');
  }
});

test('every kind of drift is reported, one line each', async () => {
  await client.query('BEGIN');
  try {
    await client.query('ALTER TABLE options ALTER COLUMN root DROP NOT NULL');
    await client.query('ALTER TABLE options ADD COLUMN extra text');
    await client.query('ALTER TABLE option_snapshots ALTER COLUMN delta TYPE numeric');
    await client.query('DROP INDEX options_underlying_expiration_strike_idx');
    await client.query('ALTER TABLE option_day_aggs DROP CONSTRAINT option_day_aggs_ticker_fkey');
    await client.query('ALTER TABLE option_day_aggs ADD CONSTRAINT volume_unique UNIQUE (day, volume)');
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
      /option_day_aggs: unique day,volume: in the database, missing in schema\.prisma/,
      /enum exercise_style: schema has \(american,european,bermudan\), database has \(american,european,bermudan,asian\)/,
      /option_day_aggs: primary key \(ticker,day\) in schema\.prisma, \(\) in the database/,
      /table stray: in the database, missing in schema\.prisma/,
    ];
    for (const expected of expectations) {
      assert.ok(
        drift.some((line) => expected.test(line)),
        `expected ${expected} in:\n${drift.join('\n')}`,
      );
    }
    assert.equal(drift.length, expectations.length, drift.join('\n'));
  } finally {
    await client.query('ROLLBACK');
  }
  assert.deepEqual(await findSchemaDrift(client), []);
});

test('the tables described in code agree with schema.prisma and the migrated database', async () => {
  assert.deepEqual(await findTableDrift(client), []);
});

test('a table changed in the code alone is reported against schema.prisma and the database', async () => {
  const change = (table: Table, name: string, changed: Partial<Column>): Table => ({
    ...table,
    columns: table.columns.map((column) => (column.name === name ? { ...column, ...changed } : column)),
  });
  const changed: Table[] = TABLES.map((table) => {
    switch (table.name) {
      case 'options':
        return change(table, 'strike_price', { modifiers: [12, 4] });
      case 'option_snapshots': {
        const withoutVega = { ...table, columns: table.columns.filter((column) => column.name !== 'vega') };
        return change(withoutVega, 'delta', { type: 'numeric' });
      }
      case 'option_day_aggs': {
        const [ticker, day, ...rest] = table.columns;
        return change({ ...table, primaryKey: ['ticker'], columns: [day!, ticker!, ...rest] }, 'volume', { nullable: true });
      }
      default:
        return table;
    }
  });
  changed.push({ name: 'stray', primaryKey: [], columns: [] });

  const prisma = shapeFromPrismaSchema(await fs.readFile(BUNDLED_SCHEMA_PATH, 'utf8'));
  const database = await shapeFromDatabase(client);
  const others = [
    { shape: prisma, where: 'schema.prisma' },
    { shape: database, where: 'the database' },
  ];
  for (const { shape, where } of others) {
    const drift = compareWithTables(changed, shape, where);
    const expectations = [
      `options.strike_price: type numeric(12,4) in the code, numeric(12,3) in ${where}`,
      `option_snapshots.delta: type numeric in the code, double precision in ${where}`,
      `option_snapshots.vega: in ${where}, missing in the code`,
      `option_day_aggs.volume: nullable in the code, NOT NULL in ${where}`,
      `option_day_aggs: columns in the order (day,ticker,open,high,low,close,volume,transactions) in the code, (ticker,day,open,high,low,close,volume,transactions) in ${where}`,
      `option_day_aggs: primary key (ticker) in the code, (ticker,day) in ${where}`,
      `table stray: in the code, missing in ${where}`,
    ];
    assert.deepEqual([...drift].sort(), [...expectations].sort());
  }
});

test('a column changed in schema.prisma or in the database alone is reported against the code', async () => {
  const schemaText = await fs.readFile(BUNDLED_SCHEMA_PATH, 'utf8');
  const changedSchema = schemaText
    .replace('@map("strike_price") @db.Decimal(12, 3)', '@map("strike_price") @db.Decimal(12, 4)')
    .replace('transactions BigInt?', 'transactions BigInt');
  assert.notEqual(changedSchema, schemaText);
  assert.deepEqual(compareWithTables(TABLES, shapeFromPrismaSchema(changedSchema), 'schema.prisma'), [
    'options.strike_price: type numeric(12,3) in the code, numeric(12,4) in schema.prisma',
    'option_day_aggs.transactions: nullable in the code, NOT NULL in schema.prisma',
  ]);

  await client.query('BEGIN');
  try {
    await client.query('ALTER TABLE option_snapshots ALTER COLUMN captured_at TYPE timestamptz(3)');
    await client.query('ALTER TABLE import_batches ALTER COLUMN committed_at DROP DEFAULT');
    await client.query('ALTER TABLE import_batches ADD COLUMN note text');
    await client.query('DROP TABLE option_day_aggs');
    assert.deepEqual(compareWithTables(TABLES, await shapeFromDatabase(client), 'the database'), [
      'option_snapshots.captured_at: type timestamp(6) with time zone in the code, timestamp(3) with time zone in the database',
      'table option_day_aggs: in the code, missing in the database',
      'import_batches.committed_at: default now() in the code, no default in the database',
      'import_batches.note: in the database, missing in the code',
    ]);
  } finally {
    await client.query('ROLLBACK');
  }
  assert.deepEqual(await findTableDrift(client), []);
});
