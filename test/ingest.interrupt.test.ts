/**
 * Ctrl-C during `optdb ingest`: reading stops — also while the input is waiting for more —
 * the rows already read are committed with their ledger rows, the summary says so, and
 * the same command run again picks up after them: the table ends as one clean run leaves it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { writeSample } from '../src/sample/generate-sample.js';
import { collect, runCli, spawnCli, watchCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { samples } from './harness/prometheus.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-interrupt-');
after(() => databases.dropAll());

const TABLE_SUM = `SELECT count(*)::int AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM option_day_aggs t`;

test('Ctrl-C mid-ingest commits what was read and exits 130; the same command resumes after it', { timeout: 120_000 }, async (t) => {
  const bars = path.join(dir.path, 'bars.csv');
  const { rows } = await writeSample({ out: bars, format: 'day-aggs-csv', underlyings: 2, contracts: 3_000, date: '2025-11-20', seed: 12 });
  const clean = await databases.migrated('interrupt_reference');
  assert.equal((await runCli(['ingest', bars], { DATABASE_URL: clean.url })).code, 0);
  const [reference] = await query(clean.url, TABLE_SUM);

  const db = await databases.migrated('interrupt');
  const args = ['ingest', '-', '--import-id', 'bars-2025-11-20', '--batch-size', '200', '--concurrency', '2', '--json', '--no-progress'];
  const { child, done, stderr } = watchCli(t, [...args, '--metrics-listen', '0'], { DATABASE_URL: db.url }, 'pipe', 100_000);
  // Half the input, then the pipe stays open: the ingest is waiting for more when Ctrl-C comes.
  const lines = (await fs.readFile(bars, 'utf8')).trimEnd().split('\n');
  const half = Math.floor(rows / 2);
  child.stdin!.write(lines.slice(0, 1 + half).join('\n') + '\n');
  // Every line sent is complete (newline-terminated), so every one of them can be read,
  // the last one included, before the Ctrl-C.
  await waitUntil(
    'every line sent read and a batch committed',
    async () => {
      const url = /metrics at (http:\S+)/.exec(stderr())?.[1];
      if (url === undefined) return false;
      const metrics = samples(await (await fetch(url)).text());
      return metrics.get('optdb_rows_read_total') === half && (metrics.get('optdb_rows_written_total{outcome="inserted"}') ?? 0) > 0;
    },
    () => stderr(),
  );
  child.kill('SIGINT');
  const interrupted = await done;

  assert.equal(interrupted.code, 130, interrupted.stderr);
  assert.match(interrupted.stderr, /stopping: the rows read so far are being written/);
  assert.doesNotMatch(interrupted.stderr, /could not be written|Cannot use a pool|cleanup failed/);
  const summary = JSON.parse(interrupted.stdout);
  assert.equal(summary.interrupted, true);
  assert.equal(summary.rowsRead, half, 'every complete line sent was read');
  assert.equal(summary.inserted, summary.rowsRead, 'every row read was written before the exit');
  const [{ committed }] = await query(db.url, 'SELECT count(*)::int AS committed FROM option_day_aggs');
  assert.equal(committed, summary.inserted);

  const resumed = spawnCli(args, { DATABASE_URL: db.url }, 'pipe');
  resumed.stdin!.end(lines.join('\n') + '\n');
  const rerun = await collect(resumed, 100_000);
  assert.equal(rerun.code, 0, rerun.stderr);
  const second = JSON.parse(rerun.stdout);
  assert.equal(second.interrupted, false);
  assert.equal(second.skipped, committed);
  assert.equal(second.inserted, rows - committed);
  assert.deepEqual((await query(db.url, TABLE_SUM))[0], reference);
});

async function waitUntil(what: string, ready: () => Promise<boolean>, context: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for ${what}: ${context()}`);
}

test('a second Ctrl-C ends the ingest at once, even while it waits to open a FIFO no one writes to', { timeout: 60_000 }, async (t) => {
  const db = await databases.migrated('interrupt_fifo');
  const fifo = path.join(dir.path, 'nobody-writes.fifo');
  execFileSync('mkfifo', [fifo]);
  const { child, done, stderr } = watchCli(t, ['ingest', fifo], { DATABASE_URL: db.url }, 'ignore', 30_000);
  // Nothing to wait on: the open blocks before any row or connection. The CLI is up in
  // well under a second; the Ctrl-C below is answered only once its handlers are in place.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  child.kill('SIGINT');
  await waitUntil(
    'the first Ctrl-C to be taken',
    async () => /SIGINT received/.test(stderr()),
    () => stderr(),
  );
  // The open still blocks: the first Ctrl-C alone cannot end the process…
  assert.deepEqual([child.exitCode, child.signalCode], [null, null], 'the process ended on the first Ctrl-C');
  const started = Date.now();
  child.kill('SIGINT');
  const result = await done;
  assert.ok(Date.now() - started < 5_000, 'the second Ctrl-C did not end the process at once');
  assert.ok(result.signal === 'SIGINT' || result.code === 130, `ended by ${result.signal ?? result.code}`);
});

test(
  'Ctrl-C while a batch cannot finish (its table locked): optdb exits after OPTDB_STOP_GRACE_MS, saying so',
  { timeout: 60_000 },
  async (t) => {
    const db = await databases.migrated('interrupt_grace');
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    t.after(() => locker.end());
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE option_day_aggs IN ACCESS EXCLUSIVE MODE');
    const child = spawnCli(['ingest', '-', '--no-progress'], { DATABASE_URL: db.url, OPTDB_STOP_GRACE_MS: '1500' }, 'pipe');
    t.after(() => void child.kill('SIGKILL'));
    const done = collect(child, 30_000);
    child.stdin!.write(
      'ticker,volume,open,close,high,low,window_start,transactions\nO:AAPL251121C00150000,10,1,1,1,1,1763614800000000000,2\n',
    );
    child.stdin!.end();
    await waitUntil(
      'a write waiting for the lock',
      async () => {
        const [{ waiting }] = await query(
          db.url,
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE application_name = 'optdb' AND wait_event_type = 'Lock'`,
        );
        return waiting > 0;
      },
      () => '',
    );
    const interrupted = Date.now();
    child.kill('SIGINT');
    const result = await done;
    const tookMs = Date.now() - interrupted;

    assert.equal(result.code, 130, result.stderr);
    assert.match(
      result.stderr,
      /still not finished 1\.5 s after the signal \(OPTDB_STOP_GRACE_MS\); exiting: what was committed stays, a rerun resumes/,
    );
    // The summary is printed all the same, once, with what was committed: nothing.
    assert.match(result.stdout, /^stopped after reading 1 rows in /);
    assert.match(result.stdout, /^ {2}inserted +0$/m);
    assert.match(result.stdout, /^ {2}stopped: nothing was committed$/m);
    assert.equal(result.stdout.match(/^stopped after reading/gm)?.length, 1);
    assert.ok(tookMs >= 1_400 && tookMs < 10_000, `exited ${tookMs} ms after the signal`);
    await locker.query('ROLLBACK');
    const [{ rows }] = await query(db.url, 'SELECT count(*)::int AS rows FROM option_day_aggs');
    assert.equal(rows, 0, 'the batch cut short was not committed');
  },
);

test('Ctrl-C on stdin without --import-id says how to go on, not to "resume"', { timeout: 60_000 }, async (t) => {
  const db = await databases.migrated('interrupt_stdin');
  const { child, done, stderr } = watchCli(
    t,
    ['ingest', '-', '--format', 'day-aggs-csv', '--no-progress', '--metrics-listen', '0'],
    { DATABASE_URL: db.url },
    'pipe',
    50_000,
  );
  child.stdin!.write(
    'ticker,volume,open,close,high,low,window_start,transactions\nO:AAPL251121C00150000,10,1,1,1,1,1763614800000000000,2\n',
  );
  await waitUntil(
    'the row read',
    async () => {
      const url = /metrics at (http:\S+)/.exec(stderr())?.[1];
      return url !== undefined && samples(await (await fetch(url)).text()).get('optdb_rows_read_total') === 1;
    },
    () => stderr(),
  );
  child.kill('SIGINT');
  const result = await done;
  assert.equal(result.code, 130, result.stderr);
  assert.match(
    result.stdout,
    /interrupted: the rows above are committed; stdin or a pipe has no identity to resume under: feed the whole input again .*--import-id/,
  );
  assert.doesNotMatch(`${result.stdout}${result.stderr}`, /run the same command again/);
  const [{ rows }] = await query(db.url, 'SELECT count(*)::int AS rows FROM option_day_aggs');
  assert.equal(rows, 1);
});
