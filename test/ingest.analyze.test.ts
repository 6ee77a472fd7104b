/**
 * `optdb ingest` leaves fresh planner statistics behind: the tables it changed a lot are
 * analyzed when it ends (pg_stat_user_tables.last_analyze is set by ANALYZE, never by
 * autovacuum, which sets last_autoanalyze).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { analyzeTables, isStale } from '../src/db/table-statistics.js';
import { refreshStatistics } from '../src/ingest/refresh-statistics.js';
import { writeSample } from '../src/sample/generate-sample.js';
import { statistics } from '../src/doctor/statistics.js';
import { runCli } from './harness/cli.js';
import { resultFor, runFamily } from './harness/doctor.js';
import { TestDatabases } from './harness/database.js';
import { freePort } from './harness/ports.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-analyze-');
after(() => databases.dropAll());

// option_day_aggs is partitioned by day: the closing ANALYZE analyzes the day's partition, not the parent.
const LAST_ANALYZE = `SELECT relname AS table, last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables
  WHERE relname IN ('options', 'option_day_aggs_20251120', 'option_snapshots') ORDER BY relname`;

async function bars(name: string, contracts: number): Promise<string> {
  const file = path.join(dir.path, name);
  await writeSample({ out: file, format: 'day-aggs-csv', underlyings: 2, contracts, date: '2025-11-20', seed: 11 });
  return file;
}

test('a large ingest analyzes the tables it changed; --no-analyze leaves them to autovacuum', async () => {
  const file = await bars('bars.csv', 4_000);
  const db = await databases.migrated('ingest_analyze');
  const result = await runCli(['ingest', file, '--json'], { DATABASE_URL: db.url });
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout) as { inserted: number; analyzed: string[]; changedRows: Record<string, number> };
  assert.ok(summary.inserted >= 1_000);
  assert.deepEqual(summary.changedRows.option_day_aggs, summary.inserted);
  assert.deepEqual([...summary.analyzed].sort(), ['option_day_aggs', 'options']);
  assert.deepEqual(await query(db.url, LAST_ANALYZE), [
    { table: 'option_day_aggs_20251120', analyzed: true },
    { table: 'option_snapshots', analyzed: false },
    { table: 'options', analyzed: true },
  ]);
  // The writers' last row counts reached the statistics before the ANALYZE, not after it:
  // doctor finds nothing changed since.
  const freshness = resultFor(await runFamily(statistics, { url: db.url }), 'statistics.freshness');
  assert.equal(freshness.status, 'pass', freshness.summary);
  assert.match(freshness.summary, /statistics current on 4 tables/);

  const untouched = await databases.migrated('ingest_no_analyze');
  const skipped = await runCli(['ingest', file, '--json', '--no-analyze'], { DATABASE_URL: untouched.url });
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.equal(JSON.parse(skipped.stdout).analyzed, undefined);
  assert.ok((await query(untouched.url, LAST_ANALYZE)).every((row) => row.analyzed === false));
});

test('a small ingest into a table the planner already knows is not worth an ANALYZE', async () => {
  const db = await databases.migrated('ingest_analyze_small');
  const first = await runCli(['ingest', await bars('first.csv', 4_000), '--json'], { DATABASE_URL: db.url });
  assert.equal(first.code, 0, first.stderr);
  const small = path.join(dir.path, 'next-day.csv');
  await writeSample({ out: small, format: 'day-aggs-csv', underlyings: 1, contracts: 400, date: '2025-11-21', seed: 12 });
  const again = await runCli(['ingest', small, '--json'], { DATABASE_URL: db.url });
  assert.equal(again.code, 0, again.stderr);
  const summary = JSON.parse(again.stdout) as { inserted: number; analyzed: string[] };
  assert.ok(summary.inserted > 0 && summary.inserted < 1_000, `${summary.inserted} rows`);
  assert.deepEqual(summary.analyzed, []);
});

test('the closing ANALYZE survives its connection being terminated: a new connection finishes it', async () => {
  const db = await databases.migrated('ingest_analyze_killed');
  // A session standing in for a writer that has not exited yet: the refresh waits for it.
  const writer = new pg.Client({ connectionString: db.url });
  await writer.connect();
  const { pid } = (await writer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
  const refreshing = refreshStatistics(db.url, { options: 2_000 }, [pid]);
  let terminated = 0;
  for (let tries = 0; terminated === 0 && tries < 200; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const [row] = await query(
      db.url,
      `SELECT count(pg_terminate_backend(pid))::int AS terminated FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'optdb'`,
    );
    terminated = (row as { terminated: number }).terminated;
  }
  await writer.end();
  assert.equal(terminated, 1, 'the refresh connection was never seen');
  assert.deepEqual(await refreshing, { analyzed: ['options'], failed: [] });
  assert.deepEqual(
    (await query(db.url, LAST_ANALYZE)).find((row) => row.table === 'options'),
    { table: 'options', analyzed: true },
  );
});

test('a server gone before the closing ANALYZE: reported as not analyzed, never thrown', async () => {
  const gone = `postgresql://postgres@127.0.0.1:${await freePort()}/optdb`;
  const result = await refreshStatistics(gone, { options: 2_000, option_day_aggs: 10 }, [], {
    retries: 2,
    minDelayMs: 10,
    maxDelayMs: 20,
    maxRetryTimeMs: 1_000,
  });
  assert.deepEqual(result.analyzed, []);
  assert.deepEqual(
    result.failed.map(({ table, code }) => ({ table, code })),
    [{ table: 'options', code: 'ECONNREFUSED' }],
  );
});

test('the staleness rule: enough changed rows, and never analyzed or more than a fifth of the table', () => {
  assert.equal(isStale(999, 0, false), false, 'under 1,000 changed rows never');
  assert.equal(isStale(1_000, 0, false), true, 'never analyzed');
  assert.equal(isStale(2_000, 10_000, true), false, 'exactly 20 %');
  assert.equal(isStale(2_001, 10_000, true), true);
});

test('ANALYZE by a role that may not maintain the table is reported as not done, not as done', async (t) => {
  const db = await databases.migrated('analyze_not_owner');
  // Roles are cluster-wide: a name of this database's own, dropped afterwards.
  const role = `${db.name}_writer`;
  await query(db.url, `CREATE ROLE "${role}"; GRANT SELECT, INSERT, UPDATE ON option_day_aggs TO "${role}"`);
  t.after(() => query(db.url, `DROP OWNED BY "${role}"; DROP ROLE "${role}"`));
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(`SET ROLE "${role}"`);
    const { analyzed, failed } = await analyzeTables(client, ['option_day_aggs']);
    assert.deepEqual(analyzed, []);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.table, 'option_day_aggs');
    assert.match(failed[0]!.meaning, /option_day_aggs/);
    await client.query('RESET ROLE');
    assert.deepEqual((await analyzeTables(client, ['option_day_aggs'])).analyzed, ['option_day_aggs'], 'the owner analyzes it');
  } finally {
    await client.end();
  }
});
