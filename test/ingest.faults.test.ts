/**
 * Faults created for real on the test server — errors raised by the database itself,
 * refused rows, statement timeouts, connections killed mid-ingest — and in every case:
 * the rows expected are the rows in the database, none lost, none doubled.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { writeSample } from '../src/sample/generate-sample.js';
import { collect, runCli, spawnCli } from './harness/cli.js';
import { type TestDatabase, TestDatabases } from './harness/database.js';
import { query } from './harness/sql.js';

let dir: string;
let bars: string;
let barRows: number;
let reference: { rows: number; sum: string };
const databases = new TestDatabases();

const TABLE_SUM = `SELECT count(*)::int AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM option_day_aggs t`;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-faults-'));
  bars = path.join(dir, 'bars.csv');
  barRows = (await writeSample({ out: bars, format: 'day-aggs-csv', underlyings: 10, contracts: 40_000, date: '2025-11-20', seed: 9 }))
    .rows;
  const clean = await database('faults_reference');
  await ingest(clean, [bars]);
  reference = (await query(clean.url, TABLE_SUM))[0] as { rows: number; sum: string };
  assert.equal(reference.rows, barRows);
});
after(async () => {
  await databases.dropAll();
  await fs.rm(dir, { recursive: true, force: true });
});

const database = (label: string): Promise<TestDatabase> => databases.migrated(label);

async function ingest(db: TestDatabase, args: string[]): Promise<{ summary: Record<string, any>; stderr: string }> {
  const result = await runCli(['ingest', ...args, '--json'], { DATABASE_URL: db.url }, 240_000);
  assert.equal(result.code, 0, result.stderr);
  return { summary: JSON.parse(result.stdout), stderr: result.stderr };
}

/** The planner error XX000 "variable not found in subplan target list", raised by the server on each INSERT into option_day_aggs for which `condition` holds. */
async function raisePlannerErrorWhen(db: TestDatabase, condition: string): Promise<void> {
  await query(
    db.url,
    `
    CREATE FUNCTION planner_bug() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF ${condition} THEN
        RAISE EXCEPTION 'variable not found in subplan target list' USING ERRCODE = 'XX000';
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER planner_bug BEFORE INSERT ON option_day_aggs FOR EACH STATEMENT EXECUTE FUNCTION planner_bug();`,
  );
}

test('XX000, 40P01 and 40001 raised on a share of write statements: retried, nothing lost', async () => {
  const db = await database('faults_transient');
  await query(
    db.url,
    `
    CREATE SEQUENCE fault_seq;
    CREATE FUNCTION raise_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE n bigint := nextval('fault_seq');
    BEGIN
      IF n % 5 = 1 THEN RAISE EXCEPTION 'variable not found in subplan target list' USING ERRCODE = 'XX000';
      ELSIF n % 5 = 2 THEN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01';
      ELSIF n % 5 = 3 THEN RAISE EXCEPTION 'could not serialize access due to concurrent update' USING ERRCODE = '40001';
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER fault BEFORE INSERT ON option_day_aggs FOR EACH STATEMENT EXECUTE FUNCTION raise_fault();`,
  );
  // One batch at a time keeps the faults' order fixed: every batch meets XX000 at most once,
  // so none falls back to the per-row path, where each of its 1000 statements would meet
  // the cycle again (that path is tested on its own below).
  const { summary, stderr } = await ingest(db, [bars, '--batch-size', '1000', '--concurrency', '1']);
  assert.equal(summary.inserted, barRows);
  assert.deepEqual((await query(db.url, TABLE_SUM))[0], reference);
  const [{ faults }] = await query(db.url, `SELECT last_value::int AS faults FROM fault_seq`);
  assert.ok(faults > Math.ceil(barRows / 1000), 'the faults were not raised');
  for (const code of ['XX000', '40P01', '40001'])
    assert.match(stderr, new RegExp(`${code} on a batch of 1000 rows \\(attempt \\d+\\); retrying`));
  assert.doesNotMatch(stderr, /falling back/);
});

test('a planner error on every strategy in turn: the per-row path retries it like a transient error', async () => {
  const db = await database('faults_last_fallback');
  const slice = path.join(dir, 'planner-slice.csv');
  await fs.writeFile(slice, (await fs.readFile(bars, 'utf8')).split('\n').slice(0, 201).join('\n'));
  // The first six INSERT statements fail: two on copy, two on unnest, two on per-row.
  await query(db.url, 'CREATE SEQUENCE planner_seq');
  await raisePlannerErrorWhen(db, `nextval('planner_seq') <= 6`);
  const { summary, stderr } = await ingest(db, [slice, '--concurrency', '1']);
  assert.equal(summary.inserted, 200);
  assert.match(stderr, /falling back from copy to unnest/);
  assert.match(stderr, /falling back from unnest to prisma/);
  assert.match(stderr, /XX000 on a batch of 200 rows \(attempt 2\); retrying/);
  const [{ rows }] = await query(db.url, 'SELECT count(*)::int AS rows FROM option_day_aggs');
  assert.equal(rows, 200);
});

test('a planner error that persists on the copy path: the batch falls back to unnest', async () => {
  const db = await database('faults_fallback');
  // Fails every insert of the copy strategy: a COPY straight into the table, or the merge
  // from its staging table.
  await raisePlannerErrorWhen(db, `current_query() LIKE 'COPY %' OR to_regclass('pg_temp.optdb_staged_rows') IS NOT NULL`);
  const { summary, stderr } = await ingest(db, [bars, '--batch-size', '5000']);
  assert.equal(summary.inserted, barRows);
  assert.deepEqual((await query(db.url, TABLE_SUM))[0], reference);
  assert.match(stderr, /XX000 persists on a batch of \d+ rows; falling back from copy to unnest/);
});

test('rows the database refuses are isolated and reported; every other row is committed', async () => {
  const db = await database('faults_refused');
  await query(
    db.url,
    `
    CREATE FUNCTION refuse_some() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF abs(hashtext(NEW.ticker)) % 4000 = 7 THEN
        RAISE EXCEPTION 'new row for relation "option_day_aggs" violates check constraint "volume_rule"' USING ERRCODE = '23514';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER refuse_some BEFORE INSERT ON option_day_aggs FOR EACH ROW EXECUTE FUNCTION refuse_some();`,
  );
  const rejects = path.join(dir, 'refused.ndjson');
  const { summary } = await ingest(db, [bars, '--rejects', rejects]);
  const lines = (await fs.readFile(rejects, 'utf8'))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  assert.ok(lines.length > 0, 'no row was refused: the trigger did not match any volume');
  assert.equal(summary.rejected, lines.length);
  assert.equal(summary.inserted + summary.rejected, barRows);
  for (const line of lines) {
    assert.match(line.reason, /^refused by the database: 23514 .*volume_rule/);
    const [{ matches }] = await query(db.url, `SELECT abs(hashtext('${JSON.parse(line.raw).ticker}')) % 4000 = 7 AS matches`);
    assert.equal(matches, true);
    assert.equal(line.source, bars);
    assert.ok(line.location >= 2);
  }
  const [{ rows }] = await query(db.url, 'SELECT count(*)::int AS rows FROM option_day_aggs');
  assert.equal(rows, barRows - lines.length);
});

test('a statement timeout shorter than a batch: the batch is split, not failed', async () => {
  const db = await database('faults_timeout');
  const slice = path.join(dir, 'slice.csv');
  await fs.writeFile(slice, (await fs.readFile(bars, 'utf8')).split('\n').slice(0, 1_201).join('\n'));
  await query(
    db.url,
    `
    CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN NEW; END $$;
    CREATE TRIGGER slow_row BEFORE INSERT ON option_day_aggs FOR EACH ROW EXECUTE FUNCTION slow_row();
    ALTER DATABASE ${db.name} SET statement_timeout = '250ms';`,
  );
  const { summary, stderr } = await ingest(db, [slice, '--batch-size', '1200']);
  assert.equal(summary.inserted, 1_200);
  assert.match(stderr, /57014 on a batch of 1200 rows; writing it in halves/);
  const [{ rows }] = await query(db.url, 'SELECT count(*)::int AS rows FROM option_day_aggs');
  assert.equal(rows, 1_200);
});

test('connections killed every 300 ms during an ingest: it finishes, every row once', async () => {
  const db = await database('faults_terminate');
  const child = spawnCli(['ingest', bars, '--batch-size', '500', '--json', '--no-progress'], { DATABASE_URL: db.url });
  const done = collect(child, 240_000);
  const killer = new pg.Client({ connectionString: db.url });
  await killer.connect();
  let kills = 0;
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    const { rows } = await killer.query(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'optdb'`,
    );
    kills += rows[0].n;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await killer.end();
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.ok(kills > 0, 'no connection was terminated');
  assert.equal(JSON.parse(result.stdout).inserted + JSON.parse(result.stdout).skipped, barRows);
  assert.deepEqual((await query(db.url, TABLE_SUM))[0], reference);
});
