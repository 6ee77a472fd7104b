import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { resolveConfig } from '../src/config.js';
import { loadingTableName } from '../src/db/day-partitions.js';
import { createPool } from '../src/db/pool.js';
import { CommittedRanges, loadCommittedRanges, recordBatch } from '../src/write/ledger.js';
import type { RetryLimits } from '../src/retry-limits.js';
import { writeSample } from '../src/sample/generate-sample.js';
import { collect, runCli, spawnCli } from './harness/cli.js';
import { type TestDatabase, TestDatabases } from './harness/database.js';
import { query, queryOne } from './harness/sql.js';

let dir: string;
let bars: string;
let expectedRows: number;
const databases = new TestDatabases();

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-resume-'));
  bars = path.join(dir, 'bars.csv');
  expectedRows = (await writeSample({ out: bars, format: 'day-aggs-csv', underlyings: 30, contracts: 150_000, date: DAY, seed: 3 })).rows;
});
after(async () => {
  await databases.dropAll();
  await fs.rm(dir, { recursive: true, force: true });
});

const database = (label: string): Promise<TestDatabase> => databases.migrated(label);

/**
 * Every ledger statement fails with 40001 (a transient error: retried), and the server
 * counts the attempts in the sequence ledger_attempts. Writes hit a trigger on the real
 * table; reads go through a view in its place, over a function that fails.
 */
async function failLedgerWrites(db: TestDatabase): Promise<void> {
  await query(
    db.url,
    `
    CREATE SEQUENCE ledger_attempts;
    CREATE FUNCTION ledger_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM nextval('ledger_attempts');
      RAISE EXCEPTION 'could not serialize access due to concurrent update' USING ERRCODE = '40001';
    END $$;
    CREATE TRIGGER ledger_fault BEFORE INSERT ON import_batches FOR EACH STATEMENT EXECUTE FUNCTION ledger_fault();`,
  );
}

async function failLedgerReads(db: TestDatabase): Promise<void> {
  await query(
    db.url,
    `
    CREATE SEQUENCE ledger_attempts;
    ALTER TABLE import_batches RENAME TO import_batches_kept;
    CREATE FUNCTION ledger_reads() RETURNS SETOF import_batches_kept LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM nextval('ledger_attempts');
      RAISE EXCEPTION 'could not serialize access due to concurrent update' USING ERRCODE = '40001';
    END $$;
    CREATE VIEW import_batches AS SELECT * FROM ledger_reads();`,
  );
}

const ledgerAttempts = async (db: TestDatabase): Promise<number> =>
  (await queryOne(db.url, 'SELECT CASE WHEN is_called THEN last_value ELSE 0 END::int AS n FROM ledger_attempts')).n;

/** The day of the bars file. */
const DAY = '2025-11-20';
const TABLE_SUM = `SELECT count(*)::int AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM option_day_aggs t`;
const LEDGER_SUM = `SELECT count(*)::int AS batches, coalesce(sum(rows), 0)::int AS rows FROM import_batches`;

test('committed ranges answer in one pass over increasing record numbers', () => {
  const ranges = new CommittedRanges([
    { first: 1, last: 3 },
    { first: 7, last: 7 },
    { first: 10, last: 12 },
  ]);
  const answers = Array.from({ length: 14 }, (_, i) => ranges.contains(i + 1));
  assert.deepEqual(answers.map((a, i) => (a ? i + 1 : 0)).filter(Boolean), [1, 2, 3, 7, 10, 11, 12]);
});

test('the ledger statements retry as often as the limits they are given say, not the library defaults', async () => {
  // Two retries, almost no backoff: the library default (30 retries) would make 31 attempts.
  const limits: RetryLimits = { retries: 2, minDelayMs: 1, maxDelayMs: 5, maxRetryTimeMs: 60_000 };
  const config = resolveConfig({}, {});

  const writes = await database('resume_ledger_write_retries');
  await failLedgerWrites(writes);
  const writePool = createPool(writes.url, config);
  try {
    await assert.rejects(recordBatch(writePool, { importId: 'x', firstRecord: 1, lastRecord: 10, rows: 10 }, limits), { code: '40001' });
  } finally {
    await writePool.end();
  }
  assert.equal(await ledgerAttempts(writes), 3, 'one attempt and two retries');

  const reads = await database('resume_ledger_read_retries');
  await failLedgerReads(reads);
  const readPool = createPool(reads.url, config);
  try {
    await assert.rejects(loadCommittedRanges(readPool, 'x', limits), { code: '40001' });
  } finally {
    await readPool.end();
  }
  assert.equal(await ledgerAttempts(reads), 3, 'one attempt and two retries');
});

test('optdb ingest reads the ledger with OPTDB_RETRY_ATTEMPTS, as it writes batches', async () => {
  const db = await database('resume_ledger_cli_retries');
  await failLedgerReads(db);
  const small = path.join(dir, 'ledger-retries.csv');
  await writeSample({ out: small, format: 'day-aggs-csv', underlyings: 2, contracts: 100, date: '2025-11-20', seed: 11 });
  const result = await runCli(['ingest', small, '--json', '--no-progress'], { DATABASE_URL: db.url, OPTDB_RETRY_ATTEMPTS: '1' });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /could not serialize access due to concurrent update/);
  assert.equal(await ledgerAttempts(db), 2, 'one attempt and one retry');
  assert.equal((await queryOne(db.url, 'SELECT count(*)::int AS n FROM option_day_aggs')).n, 0);
});

test('SIGKILL mid-ingest, then the same command again: every row once, the rest skipped', async () => {
  assert.ok(expectedRows > 30_000, `sample too small: ${expectedRows}`);
  const db = await database('resume_kill');
  const args = ['ingest', bars, '--batch-size', '1000', '--json', '--no-progress'];
  const child = spawnCli(args, { DATABASE_URL: db.url });
  const finished = collect(child);
  let batches = 0;
  for (let i = 0; i < 600 && batches < 15; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    batches = (await queryOne(db.url, 'SELECT count(*)::int AS n FROM import_batches')).n;
  }
  assert.ok(batches >= 15, 'the ingest never got going');
  child.kill('SIGKILL');
  const killed = await finished;
  assert.equal(killed.signal, 'SIGKILL');

  // No partial batch is kept: what the ledger says is committed is exactly what is there —
  // for a new day, in the table it is being loaded into, not attached until the input ends.
  const ledger = await queryOne(db.url, LEDGER_SUM);
  assert.equal((await queryOne(db.url, TABLE_SUM)).rows, 0, 'a day load was visible before its input ended');
  assert.equal((await queryOne(db.url, `SELECT count(*)::int AS rows FROM ${loadingTableName(DAY)}`)).rows, ledger.rows);
  assert.ok(ledger.rows < expectedRows, 'the kill came too late to test anything');

  const rerun = await runCli(args, { DATABASE_URL: db.url });
  assert.equal(rerun.code, 0, rerun.stderr);
  const summary = JSON.parse(rerun.stdout);
  assert.equal(summary.skipped, ledger.rows);
  assert.equal(summary.inserted + summary.skipped, expectedRows);
  assert.equal(summary.updated + summary.unchanged, 0, 'committed rows were written again');

  const clean = await database('resume_clean');
  const cleanRun = await runCli(args, { DATABASE_URL: clean.url });
  assert.equal(cleanRun.code, 0, cleanRun.stderr);
  assert.deepEqual(await queryOne(db.url, TABLE_SUM), await queryOne(clean.url, TABLE_SUM));
  assert.equal((await queryOne(db.url, LEDGER_SUM)).rows, expectedRows);
});

test('a finished import run again skips everything; the ledger names the input by path, size and hash', async () => {
  const db = await database('resume_again');
  const small = path.join(dir, 'small.csv');
  const rows = (await writeSample({ out: small, format: 'day-aggs-csv', underlyings: 5, contracts: 4_000, date: '2025-11-20', seed: 5 }))
    .rows;
  const first = JSON.parse((await runCli(['ingest', small, '--json'], { DATABASE_URL: db.url })).stdout);
  assert.equal(first.inserted, rows);
  const again = JSON.parse((await runCli(['ingest', small, '--json'], { DATABASE_URL: db.url })).stdout);
  assert.deepEqual([again.inserted, again.unchanged, again.skipped], [0, 0, rows]);
  const size = (await fs.stat(small)).size;
  const { import_id } = await queryOne(db.url, 'SELECT DISTINCT import_id FROM import_batches');
  assert.match(import_id, new RegExp(`^${small.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\|${size}\\|[0-9a-f]{64}$`));

  // A changed file is a new input: it is written (as unchanged rows), not skipped.
  await fs.writeFile(small, `${await fs.readFile(small, 'utf8')}\n`);
  const changed = JSON.parse((await runCli(['ingest', small, '--json'], { DATABASE_URL: db.url })).stdout);
  assert.deepEqual([changed.skipped, changed.unchanged], [0, rows]);
});

test('stdin is resumable when named with --import-id', async () => {
  const db = await database('resume_stdin');
  const input = await fs.readFile(bars, 'utf8');
  const head = input.split('\n').slice(0, 2_001).join('\n');
  const feed = async () => {
    const child = spawnCli(['ingest', '-', '--import-id', 'bars-2025-11-20', '--json'], { DATABASE_URL: db.url }, 'pipe');
    child.stdin?.end(head);
    const result = await collect(child);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout);
  };
  assert.equal((await feed()).inserted, 2_000);
  assert.equal((await feed()).skipped, 2_000);
  const rejected = await runCli(['ingest', bars, bars, '--import-id', 'x'], { DATABASE_URL: db.url });
  assert.equal(rejected.code, 1);
  assert.match(rejected.stderr, /--import-id names one input/);
});
