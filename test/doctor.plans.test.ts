import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { type ExplainJson, planShape } from '../src/doctor/plan-walker.js';
import { LARGE_TABLE_ROWS, plans } from '../src/doctor/plans.js';
import { TestDatabases } from './harness/database.js';
import { resultFor, runFamily } from './harness/doctor.js';
import { query, queryOne } from './harness/sql.js';

const databases = new TestDatabases();
after(() => databases.dropAll());

const UNDERLYINGS = 100;
const CONTRACTS_PER_UNDERLYING = 100;
const DAYS = 20;
const SNAPSHOTS = UNDERLYINGS * CONTRACTS_PER_UNDERLYING * DAYS; // 200,000: over LARGE_TABLE_ROWS

/** A migrated database with 10,000 contracts and 20 days of snapshots, analyzed. */
async function databaseWithData(label: string) {
  const db = await databases.migrated(label);
  await query(
    db.url,
    `INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price)
     SELECT format('O:U%s251219C%s', u, lpad((k * 1000)::text, 8, '0')), 'U' || u, 'U' || u, 'call', DATE '2025-12-19', k
     FROM generate_series(1, ${UNDERLYINGS}) AS u, generate_series(1, ${CONTRACTS_PER_UNDERLYING}) AS k`,
  );
  await query(
    db.url,
    `INSERT INTO option_snapshots (ticker, captured_at, day_volume, underlying_price, bid, ask, source)
     SELECT o.ticker, TIMESTAMPTZ '2025-11-03 21:00Z' + d * interval '1 day', (random() * 1000)::bigint, 50, 1.00, 1.10, 'test'
     FROM options o, generate_series(0, ${DAYS - 1}) AS d`,
  );
  await query(db.url, 'ANALYZE options, option_snapshots');
  assert.equal((await queryOne(db.url, 'SELECT count(*)::int AS n FROM option_snapshots')).n, SNAPSHOTS);
  assert.ok(SNAPSHOTS > LARGE_TABLE_ROWS);
  return db;
}

/** The shape of a real plan, with session settings applied first. */
async function explainOn(url: string, sql: string, settings: string[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const setting of settings) await client.query(setting);
    return planShape((await client.query<{ 'QUERY PLAN': ExplainJson }>(`EXPLAIN (FORMAT JSON) ${sql}`)).rows[0]!['QUERY PLAN']);
  } finally {
    await client.end();
  }
}

test('an empty migrated database passes: small tables may be scanned whole', async () => {
  const db = await databases.migrated('doctor_plans_empty');
  const results = await runFamily(plans, { url: db.url });
  assert.deepEqual(
    results.map((r) => [r.id, r.status]),
    [
      ['plans.write-statements', 'pass'],
      ['plans.read-statements', 'pass'],
    ],
  );
  assert.match(
    resultFor(results, 'plans.write-statements').summary,
    /^13 write statements explained: no large table read whole for a small part of it, no SubPlan/,
  );
});

// The snapshots are stored day by day, as ingests write them, so one contract's rows lie on
// as many pages as there are days. Whether an index lookup per contract beats reading the
// table then depends on random_page_cost: these tests set it per database (1.1, for the
// SSDs the tests run on, or the default 4), never server-wide.
test('with data on an SSD-costed database, the read and write statements use the indexes', async () => {
  const db = await databaseWithData('doctor_plans_data');
  await query(db.url, `ALTER DATABASE ${db.name} SET random_page_cost = 1.1`);
  const results = await runFamily(plans, { url: db.url });
  const writes = resultFor(results, 'plans.write-statements');
  assert.equal(writes.status, 'pass', writes.summary);
  const reads = resultFor(results, 'plans.read-statements');
  assert.equal(reads.status, 'pass', reads.summary);
  assert.match(reads.summary, /options_underlying_expiration_strike_idx/);
  assert.match(reads.summary, /option_snapshots_pkey/);
  assert.match(reads.summary, /option_snapshots_captured_at_idx/);
  // Planned for values from the planner's statistics (no read of the tables): a real underlying, the latest day.
  const sample = reads.details?.sample as { underlying: string; day: string };
  assert.equal(sample.day, '2025-11-22');
  assert.equal(
    (await queryOne(db.url, 'SELECT count(*)::int AS n FROM options WHERE underlying_ticker = $1', [sample.underlying])).n,
    CONTRACTS_PER_UNDERLYING,
  );

  // A table read whole for a hash join: what the plan uses of it is the join's output.
  const joined = await explainOn(
    db.url,
    `SELECT * FROM option_snapshots s JOIN options o USING (ticker) WHERE o.underlying_ticker = 'U1'`,
    ['SET enable_indexscan = off', 'SET enable_bitmapscan = off'],
  );
  const snapshotsScan = joined.seqScans.find((scan) => scan.relation === 'option_snapshots');
  assert.equal(snapshotsScan?.filtered, false);
  assert.ok(snapshotsScan!.keptRows < SNAPSHOTS / 10, `kept ${snapshotsScan!.keptRows} of ${SNAPSHOTS}: the join's output, not the table`);

  // A real fault: the index behind "the day's snapshots" is gone (a failed migration, a
  // hand-dropped index). The plan now reads the whole table for one day of twenty.
  await query(db.url, 'DROP INDEX option_snapshots_captured_at_idx');
  const without = resultFor(await runFamily(plans, { url: db.url }), 'plans.read-statements');
  assert.equal(without.status, 'warn');
  const [, tableRows, keptRows] =
    /^demo top volume: reads all (\d+) rows of option_snapshots \(sequential scan with a filter\) to use about (\d+)$/.exec(
      without.summary,
    ) ?? [];
  assert.ok(tableRows && keptRows, without.summary);
  assert.ok(Number(tableRows) > LARGE_TABLE_ROWS);
  assert.ok(Number(keptRows) < Number(tableRows) / 10, 'one day of twenty');
  assert.match(without.remedy ?? '', /^no index serves the filter on option_snapshots: check maintenance\.indexes/);
});

test('with the spinning-disk default random_page_cost, a whole-table read for a small join is flagged with that remedy', async () => {
  const db = await databaseWithData('doctor_plans_hdd');
  const { cost } = await queryOne(db.url, "SELECT current_setting('random_page_cost')::float8 AS cost");
  assert.equal(cost, 4, 'the test servers run with the default random_page_cost');
  const reads = resultFor(await runFamily(plans, { url: db.url }), 'plans.read-statements');
  assert.equal(reads.status, 'warn');
  assert.match(
    reads.summary,
    /^demo nearest chain: reads all \d+ rows of option_snapshots \(sequential scan for a join\) to use about \d+$/,
  );
  assert.match(
    reads.remedy ?? '',
    /the planner prefers reading all of option_snapshots to index lookups: ANALYZE option_snapshots; on SSD storage lower random_page_cost \(now 4\) to 1\.1/,
  );
});

test('the plan walker finds SubPlans, nested ones too, in real EXPLAIN output; InitPlans are not SubPlans', async () => {
  const db = await databases.migrated('doctor_plans_walker');
  const explain = (sql: string) => explainOn(db.url, sql);
  const correlated = await explain(
    `SELECT o.ticker, (SELECT max(s.captured_at) FROM option_snapshots s WHERE s.ticker = o.ticker) FROM options o`,
  );
  assert.equal(correlated.subPlans.length, 1);
  assert.match(correlated.subPlans[0]!.name, /SubPlan/);
  assert.equal(correlated.subPlans[0]!.depth, 1);
  assert.deepEqual(
    correlated.seqScans.map((scan) => [scan.relation, scan.filtered]),
    [['options', false]],
  );

  const nested = await explain(
    `SELECT o.ticker,
            (SELECT max(s.day_volume) FROM option_snapshots s
             WHERE s.ticker = o.ticker
               AND s.captured_at = (SELECT max(s2.captured_at) FROM option_snapshots s2 WHERE s2.ticker = s.ticker))
     FROM options o`,
  );
  assert.deepEqual(
    nested.subPlans.map((p) => p.depth),
    [1, 2],
  );

  const once = await explain(`SELECT ticker FROM options WHERE strike_price > (SELECT avg(strike_price) FROM options)`);
  assert.deepEqual(once.subPlans, [], 'an uncorrelated subquery runs once (InitPlan)');
});

test('a statement that cannot be planned is reported with the error policy remedy', async () => {
  const db = await databases.migrated('doctor_plans_drifted');
  await query(db.url, 'ALTER TABLE option_snapshots DROP COLUMN delta');
  const results = await runFamily(plans, { url: db.url });
  const result = resultFor(results, 'plans.write-statements');
  assert.equal(result.status, 'warn');
  assert.match(result.summary, /could not explain .*snapshots upsert \(unnest\) \(42703 column \S*delta\S* .*does not exist\)/);
  assert.match(result.remedy ?? '', /optdb migrate/);
});

test('a database without optdb tables: one finding per statement kind, pointing at the migrations', async () => {
  const db = await databases.empty('doctor_plans_empty');
  const results = await runFamily(plans, { url: db.url });
  for (const id of ['plans.write-statements', 'plans.read-statements']) {
    const result = resultFor(results, id);
    assert.equal(result.status, 'warn');
    assert.match(result.summary, /not explained: optdb's tables options, option_snapshots, option_day_aggs, import_batches do not exist/);
    assert.match(result.remedy ?? '', /optdb migrate/);
  }
});
