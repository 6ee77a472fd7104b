/**
 * `optdb partitions`: the day partitions listed with their ranges and rows, old ones
 * dropped — also while an ingest of a new day runs, which neither fails nor loses a row —
 * and created once however many writers ask for a day at once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cutoffDay } from '../src/cli/partitions.js';
import { DayPartitionSet } from '../src/db/day-partitions.js';
import { createPool } from '../src/db/pool.js';
import { ingestFiles, resolveConfig } from '../src/index.js';
import { writeSample } from '../src/sample/generate-sample.js';
import { collect, runCli, spawnCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { query, queryOne } from './harness/sql.js';

const databases = new TestDatabases();

let dir: string;
after(async () => {
  await databases.dropAll();
  await fs.rm(dir, { recursive: true, force: true });
});

const DAYS = ['2025-11-18', '2025-11-19', '2025-11-20'];
const files: string[] = [];
let rowsPerDay: number[] = [];
let bigDay: { file: string; rows: number };

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-partitions-'));
  for (const date of DAYS) files.push(path.join(dir, `${date}.csv`));
  rowsPerDay = await Promise.all(
    DAYS.map(
      async (date, i) =>
        (await writeSample({ out: files[i]!, format: 'day-aggs-csv', underlyings: 3, contracts: 3_000, date, seed: 7 })).rows,
    ),
  );
  const file = path.join(dir, '2025-11-21.csv');
  bigDay = {
    file,
    rows: (await writeSample({ out: file, format: 'day-aggs-csv', underlyings: 20, contracts: 60_000, date: '2025-11-21', seed: 7 })).rows,
  };
});

const dayCounts = `SELECT day::text, count(*)::int AS rows FROM option_day_aggs GROUP BY day ORDER BY day`;

test('ages and days give the first day kept', () => {
  const today = new Date('2026-03-10T23:59:00Z');
  assert.equal(cutoffDay('90d', today), '2025-12-10');
  assert.equal(cutoffDay('2w', today), '2026-02-24');
  assert.equal(cutoffDay('1y', today), '2025-03-10');
  assert.equal(cutoffDay('2025-11-20', today), '2025-11-20');
  for (const bad of ['90', '90m', '-1d', '2025-13-40', '', 'd']) assert.equal(cutoffDay(bad, today), undefined, bad);
});

test('list shows each day partition with its rows; drop removes the old ones, --dry-run nothing', async () => {
  const db = await databases.migrated('partitions_list_drop');
  const config = resolveConfig({}, { DATABASE_URL: db.url });
  for (const file of files) await ingestFiles(config, [file]);
  await query(db.url, 'ANALYZE option_day_aggs');

  const listed = await runCli(['partitions', 'list', '--json'], { DATABASE_URL: db.url });
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(
    JSON.parse(listed.stdout).map((p: any) => [p.name, p.from, p.to, p.rows, p.state]),
    DAYS.map((day, i) => [`option_day_aggs_${day.replaceAll('-', '')}`, day, DAYS[i + 1] ?? '2025-11-21', rowsPerDay[i], 'attached']),
  );
  const text = await runCli(['partitions', 'list'], { DATABASE_URL: db.url });
  assert.match(text.stdout, /option_day_aggs_20251118\s+2025-11-18\s+\d+\s+[\d.]+ MB\s+attached/);

  const dry = await runCli(['partitions', 'drop', '--older-than', '2025-11-20', '--dry-run'], { DATABASE_URL: db.url });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would drop 2 partition\(s\) of days before 2025-11-20/);
  assert.equal((await query(db.url, dayCounts)).length, 3);

  const dropped = await runCli(['partitions', 'drop', '--older-than', '2025-11-20'], { DATABASE_URL: db.url });
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.match(dropped.stdout, /dropped option_day_aggs_20251118 \(2025-11-18, \d+ rows\)/);
  assert.deepEqual(await query(db.url, dayCounts), [{ day: '2025-11-20', rows: rowsPerDay[2] }]);
  assert.equal((await queryOne(db.url, `SELECT to_regclass('option_day_aggs_20251119') AS t`)).t, null);

  const bad = await runCli(['partitions', 'drop', '--older-than', '90x'], { DATABASE_URL: db.url });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--older-than.*expected an age like 90d, 12w or 2y, or a day YYYY-MM-DD, got `90x`/);
});

test('dropping old days while a new day is ingested: the ingest finishes, every new row is there', async () => {
  const db = await databases.migrated('partitions_drop_during_ingest');
  const config = resolveConfig({}, { DATABASE_URL: db.url });
  for (const file of files) await ingestFiles(config, [file]);

  const ingest = spawnCli(['ingest', bigDay.file, '--batch-size', '500', '--json', '--no-progress'], { DATABASE_URL: db.url });
  const finished = collect(ingest);
  // Drop once the ingest has committed some batches.
  for (let i = 0; i < 400; i++) {
    if ((await queryOne(db.url, 'SELECT count(*)::int AS n FROM import_batches WHERE rows = 500')).n > 3) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const dropped = await runCli(['partitions', 'drop', '--older-than', '2025-11-20'], { DATABASE_URL: db.url });
  assert.equal(dropped.code, 0, dropped.stderr);

  const result = await finished;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).inserted, bigDay.rows);
  assert.deepEqual(await query(db.url, dayCounts), [
    { day: '2025-11-20', rows: rowsPerDay[2] },
    { day: '2025-11-21', rows: bigDay.rows },
  ]);
});

test('eight writers making sure of the same days at once: each day gets one partition, no writer fails', async () => {
  const db = await databases.migrated('partitions_concurrent_ensure');
  const days = ['2025-12-01', '2025-12-02', '2025-12-03', '2025-12-04', '2025-12-05'];
  const pools = Array.from({ length: 8 }, () => createPool(db.url, resolveConfig({}, { OPTDB_POOL_SIZE: '2' })));
  try {
    const named = await Promise.all(
      pools.map((pool, writer) => {
        // Each writer asks in its own order, so that they meet on every day.
        const order = days.map((_, i) => days[(i + writer) % days.length]!);
        const partitions = new DayPartitionSet(pool);
        return Promise.all(order.map(async (day) => [day, await partitions.ensure(day)] as const));
      }),
    );
    for (const answers of named) {
      for (const [day, name] of answers) assert.equal(name, `option_day_aggs_${day.replaceAll('-', '')}`);
    }
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
  const { n } = await queryOne(db.url, `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'option_day_aggs'::regclass`);
  assert.equal(n, days.length);
});
