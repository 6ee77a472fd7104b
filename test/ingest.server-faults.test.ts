/**
 * Faults of the server itself during an ingest — stopped and started again, down for
 * longer than the retry limits, too few connection slots — and in every case: the rows
 * expected are the rows in the database, none lost, none doubled.
 *
 * These tests stop, restart and reconfigure PostgreSQL, so none of them touches the
 * harness's shared server: each starts its own embedded server in a fresh directory on a
 * free port, and stops and removes it when it ends (also when it fails).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { writeSample } from '../src/sample/generate-sample.js';
import { type CliResult, collect, runCli, spawnCli } from './harness/cli.js';
import { withOwnServer } from './harness/own-server.js';
import { query } from './harness/sql.js';
import { COMMITTED_DAY_ROWS } from './harness/day-rows.js';

const TABLE_SUM = `SELECT count(*)::int AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM option_day_aggs t`;
// One statement, one snapshot: each batch commits its rows together with its ledger row.
const CONSISTENCY = `SELECT ${COMMITTED_DAY_ROWS} AS rows,
                            (SELECT coalesce(sum(rows), 0)::int FROM import_batches) AS ledger_rows,
                            (SELECT count(*)::int FROM import_batches) AS batches`;
const BATCH_SIZE = 500;
const STEP_FRACTION = 0.3; // OPTDB_LIMIT_STEP_FRACTION: its default, stated for the steps the tests expect

let dir: string;
let bars: string;
let barRows: number;
let reference: { rows: number; sum: string };

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-server-faults-'));
  bars = path.join(dir, 'bars.csv');
  barRows = (await writeSample({ out: bars, format: 'day-aggs-csv', underlyings: 10, contracts: 60_000, date: '2025-11-20', seed: 11 }))
    .rows;
  // The clean reference load, on a server of its own too.
  reference = await withOwnServer('reference', async (own) => {
    const result = await ingest(own.url);
    assert.equal(result.code, 0, result.stderr);
    return (await query(own.url, TABLE_SUM))[0] as { rows: number; sum: string };
  });
  assert.equal(reference.rows, barRows);
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The query's rows, or undefined when the server cannot answer right now. */
async function tryQuery(url: string, sql: string): Promise<any[] | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query(sql)).rows;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ingestArgs(extra: string[] = []): string[] {
  return ['ingest', bars, '--batch-size', String(BATCH_SIZE), '--json', '--no-progress', ...extra];
}

function ingest(url: string, env: Record<string, string> = {}, extra: string[] = []): Promise<CliResult> {
  return runCli(ingestArgs(extra), { DATABASE_URL: url, ...env }, 240_000);
}

/**
 * Starts an ingest in the background and catches it in the middle of writing: once
 * `import_batches` has a few rows, the test locks that table (EXCLUSIVE: reads go on,
 * inserts wait), so the batches being written stop at their ledger row — their rows
 * already inserted, their transactions open — until the server is stopped under them.
 * However fast the ingest runs, the fault lands mid-batch.
 */
async function ingestCaughtMidBatch(url: string, env: Record<string, string> = {}) {
  const child = spawnCli(ingestArgs(), { DATABASE_URL: url, ...env });
  let exited = false;
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const done = collect(child, 240_000).finally(() => (exited = true));
  const deadline = Date.now() + 60_000;
  let committed = 0;
  while (!exited && Date.now() < deadline && committed < 3) {
    committed = (await tryQuery(url, 'SELECT count(*)::int AS n FROM import_batches'))?.[0]?.n ?? committed;
    if (committed < 3) await sleep(20);
  }
  if (exited) assert.fail(`the ingest ended before the fault could be injected: ${outcome(await done)}`);
  assert.ok(committed >= 3, `only ${committed} batches were committed in 60 s`);
  const locker = new pg.Client({ connectionString: url });
  locker.on('error', () => {}); // the stop ends this session too
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE import_batches IN EXCLUSIVE MODE');
  // The concurrent writers (OPTDB_WRITE_CONCURRENCY) should end up waiting; two are enough.
  let waiting = 0;
  const WAITING = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'optdb' AND wait_event_type = 'Lock'`;
  const waitDeadline = Date.now() + 10_000;
  while (!exited && Date.now() < waitDeadline && waiting < 2) {
    waiting = (await locker.query(WAITING)).rows[0].n;
    if (waiting < 2) await sleep(20);
  }
  if (exited) {
    await locker.end();
    assert.fail(`the ingest ended before the fault could be injected: ${outcome(await done)}`);
  }
  assert.ok(waiting >= 1, `no batch of the ingest was caught mid-write (${committed} batches committed)`);
  // What is committed is whole: rows and ledger entries agree (the waiting batches' rows are not visible).
  const [consistency] = (await locker.query(CONSISTENCY)).rows;
  assert.equal(consistency.rows, consistency.ledger_rows);
  return {
    done,
    isRunning: () => !exited,
    stderr: () => stderr,
    caught: { waiting, ...consistency },
    releaseLocker: () => locker.end().catch(() => undefined),
  };
}

function outcome(result: CliResult): string {
  return `exit ${result.code ?? result.signal}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

/** With OPTDB_TEST_VERBOSE=1, what a test saw (for reports). */
function note(label: string, details: Record<string, unknown>): void {
  if (process.env.OPTDB_TEST_VERBOSE === '1') process.stderr.write(`# ${label}: ${JSON.stringify(details, null, 1)}\n`);
}

/** The summary the CLI printed with --json. */
interface Summary {
  readonly rowsRead: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly rejected: number;
}

function summaryOf(result: CliResult): Summary {
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Summary;
}

interface Consistency {
  readonly rows: number;
  readonly ledger_rows: number;
  readonly batches: number;
}

/** Every row counted exactly once, and the table exactly as the clean reference load left it. */
async function assertLikeReference(url: string): Promise<void> {
  assert.deepEqual((await query(url, TABLE_SUM))[0], reference);
  const [consistency] = await query(url, CONSISTENCY);
  assert.equal(consistency.ledger_rows, barRows, 'the ledger does not account for every row exactly once');
  assert.equal(consistency.rows, consistency.ledger_rows);
}

test('the server stopped and started again mid-ingest: the ingest retries, finishes, every row once', { timeout: 180_000 }, async () => {
  await withOwnServer('restart', async (own) => {
    const { done, isRunning, stderr, caught, releaseLocker } = await ingestCaughtMidBatch(own.url);
    let result: CliResult;
    let restartedAfterMs: number;
    let atRestart: Consistency;
    try {
      const stoppedAt = Date.now();
      assert.equal(await own.server.stop(), true);
      // The server stays down until a batch has failed twice on it and the ingest, still
      // running, says it retries again: it waits for the server rather than giving up.
      const retriedTwice = () => /^optdb: \S+ on a batch of \d+ rows \(attempt 2\); retrying$/m.test(stderr());
      while (isRunning() && !retriedTwice()) await sleep(20);
      if (!isRunning()) assert.fail(`the ingest ended while the server was down: ${outcome(await done)}`);
      await own.server.start();
      restartedAfterMs = Date.now() - stoppedAt;
      // The batches caught mid-write were rolled back whole: rows and ledger entries agree.
      atRestart = (await query(own.url, CONSISTENCY))[0] as Consistency;
      assert.equal(atRestart.rows, atRestart.ledger_rows, 'a partial batch is visible after the restart');
      assert.ok(atRestart.batches < Math.ceil(barRows / BATCH_SIZE), 'the ingest had written everything before the stop');
      result = await done;
    } finally {
      await releaseLocker();
    }

    assert.equal(result.code, 0, outcome(result));
    const summary = summaryOf(result);
    assert.equal(summary.rowsRead, barRows);
    assert.equal(summary.updated + summary.skipped + summary.rejected, 0);
    // A batch whose COMMIT reached the server just before the stop, but whose answer was
    // lost, would be written again after the restart and counted `unchanged`: still once.
    assert.equal(summary.inserted + summary.unchanged, barRows);
    assert.match(result.stderr, /^optdb: (57P01|08\d{3}|ECONNREFUSED|ECONNRESET|EPIPE) on a batch of \d+ rows \(attempt \d+\); retrying$/m);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'stack trace printed');
    assert.ok(!result.stderr.includes(own.password) && !result.stdout.includes(own.password), 'password printed');
    await assertLikeReference(own.url);
    note('restart', { caught, downMs: restartedAfterMs, atRestart, summary, stderr: result.stderr });
  });
});

test('the server down for longer than the retry limits: one clear line, exit 1; a rerun resumes', { timeout: 240_000 }, async () => {
  await withOwnServer('down', async (own) => {
    // Three retries, so four attempts per batch; the time limit is far above what four
    // attempts against a stopped server take, so that the attempt limit is what ends them.
    const env = { OPTDB_RETRY_MAX_TIME_MS: '600000', OPTDB_RETRY_ATTEMPTS: '3' };
    const { done, caught, releaseLocker } = await ingestCaughtMidBatch(own.url, env);
    let result: CliResult;
    let gaveUpAfterMs: number;
    try {
      assert.equal(await own.server.stop(), true);
      const stoppedAt = Date.now();
      result = await done; // an ingest that never gives up is killed by collect's bound, and fails below
      gaveUpAfterMs = Date.now() - stoppedAt;
    } finally {
      await releaseLocker();
    }

    assert.equal(result.code, 1, outcome(result));
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'stack trace printed');
    assert.ok(!result.stderr.includes(own.password), 'password printed');
    // Retry notices aside, exactly one line says what failed, and the next one the remedy.
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    const failures = lines.filter((line) => line.startsWith('optdb: ') && !/; retrying$/.test(line));
    assert.equal(failures.length, 1, result.stderr);
    assert.match(
      failures[0]!,
      /^optdb: A batch of \d+ rows from .*bars\.csv could not be written after 4 attempt\(s\): (ECONNREFUSED|57P0\d|08\d{3}) /,
    );
    // A notice follows each failed attempt that another attempt follows: 1, 2 and 3 for the
    // batch that gave up, none numbered 4 or more for any batch.
    const noticed = [...result.stderr.matchAll(/^optdb: \S+ on a batch of \d+ rows \(attempt (\d+)\); retrying$/gm)].map((match) =>
      Number(match[1]),
    );
    assert.deepEqual([...new Set(noticed)].sort(), [1, 2, 3], `retry notices for attempts ${noticed.join(', ')}`);
    const remedy = lines[lines.indexOf(failures[0]!) + 1];
    assert.match(remedy ?? '', /^ {2}\S/, `no remedy line after the failure:\n${result.stderr}`);
    const committedNote = /^ {2}(\d+) rows were committed before this; run the same command again to resume after them\.$/m.exec(
      result.stderr,
    );
    assert.ok(committedNote, `no line saying what was committed:\n${result.stderr}`);
    // The summary is printed all the same, marked stopped with the failure.
    const stopped = summaryOf(result) as Summary & { stopped?: string };
    assert.equal(`optdb: ${stopped.stopped}`, failures[0]);

    await own.server.start();
    const [atRestart] = await query(own.url, CONSISTENCY);
    assert.equal(atRestart.rows, atRestart.ledger_rows, 'a partial batch is visible after the failed ingest');
    assert.ok(atRestart.batches > 0 && atRestart.rows < barRows);
    assert.equal(Number(committedNote[1]), atRestart.ledger_rows, 'the committed count said is not what the ledger holds');
    assert.equal(stopped.inserted, atRestart.ledger_rows, 'the stopped summary does not count what the ledger holds');

    // The same command again: what was committed is skipped, the rest written.
    const rerun = await ingest(own.url, env);
    assert.equal(rerun.code, 0, outcome(rerun));
    const summary = summaryOf(rerun);
    assert.ok(summary.skipped > 0);
    assert.equal(summary.skipped, atRestart.ledger_rows, 'the rerun did not skip exactly what was committed');
    assert.equal(summary.inserted + summary.skipped, barRows);
    assert.equal(summary.updated + summary.unchanged + summary.rejected, 0);
    await assertLikeReference(own.url);
    note('down', { caught, gaveUpAfterMs, atRestart, rerun: summary, stderr: result.stderr });
  });
});

test(
  'fewer connection slots than the pool asks for: 53300 is retried at lower concurrency, every row once',
  { timeout: 180_000 },
  async () => {
    await withOwnServer(
      'slots',
      async (own) => {
        const [settings] = await query(
          own.url,
          `SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int AS reserved,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`,
        );
        assert.equal(settings.max, 8);

        // Hold connections from the test so that optdb finds only 3 free slots (a superuser
        // may use the reserved ones too) while it asks for 6 concurrent writes.
        const free = 3;
        const holders: pg.Client[] = [];
        try {
          while (holders.length < settings.max - free) {
            const client = new pg.Client({ connectionString: own.url });
            client.on('error', () => {});
            await client.connect();
            holders.push(client);
          }
          const [{ used }] = (
            await holders[0]!.query(`SELECT count(*)::int AS used FROM pg_stat_activity WHERE backend_type = 'client backend'`)
          ).rows;
          assert.equal(settings.max - used, free);

          const result = await ingest(own.url, { OPTDB_POOL_SIZE: '10', OPTDB_LIMIT_STEP_FRACTION: String(STEP_FRACTION) }, [
            '--concurrency',
            '6',
          ]);
          assert.equal(result.code, 0, result.stderr);
          const summary = summaryOf(result);
          assert.equal(summary.inserted + summary.unchanged, barRows);
          assert.equal(summary.updated + summary.skipped + summary.rejected, 0);
          assert.match(result.stderr, /^optdb: 53300 on a batch of \d+ rows \(attempt \d+\); retrying$/m);
          // Every change of the limit, in order: an overload takes floor(fraction × limit) off
          // it (at least one), a run of healthy writes adds one, each starts where the last ended.
          const changes = [...result.stderr.matchAll(/^optdb: write limit (\d+) → (\d+) \(([^,)]+)/gm)].map((match) => ({
            from: Number(match[1]),
            to: Number(match[2]),
            reason: match[3],
          }));
          assert.ok(
            changes.some((change) => change.reason === 'the server is overloaded'),
            `the overload did not lower the write limit:\n${result.stderr}`,
          );
          assert.equal(changes[0]!.from, 6);
          for (const [i, change] of changes.entries()) {
            if (i > 0) assert.equal(change.from, changes[i - 1]!.to, 'a change that does not start where the last one ended');
            const step =
              change.reason === 'the server is overloaded'
                ? -Math.max(1, Math.floor(change.from * STEP_FRACTION))
                : change.reason === 'healthy again'
                  ? 1
                  : NaN;
            assert.equal(change.to - change.from, step, `write limit ${change.from} → ${change.to} (${change.reason})`);
          }
          assert.doesNotMatch(result.stderr, /^\s+at /m, 'stack trace printed');
          note('slots', { settings, summary, stderr: result.stderr });
        } finally {
          await Promise.all(holders.map((client) => client.end().catch(() => undefined)));
        }
        await assertLikeReference(own.url);
      },
      { max_connections: 8 },
    );
  },
);
