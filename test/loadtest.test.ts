/**
 * `optdb loadtest` on real PostgreSQL and a real PgBouncer (transaction mode), in short
 * runs (400 ms steps). Asserted are effects, never timings: every row a step reports is
 * in the table exactly once, the gate's queue is tasks − limit,
 * queue pressure is warned about, database errors are counted by SQLSTATE, a pooler
 * target appears only when asked for, and the load test's data is gone afterwards —
 * including after Ctrl-C — while other data is untouched.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resolveConfig } from '../src/config.js';
import { type LoadtestOptions, runLoadtest } from '../src/loadtest/loadtest.js';
import type { StepResult } from '../src/loadtest/run-step.js';
import { WRITE_PATH_NAMES } from '../src/loadtest/write-paths.js';
import type { GateEvent } from '../src/write/write-gate.js';
import { collect, runCli, spawnCli } from './harness/cli.js';
import { adminUrl, TestDatabases } from './harness/database.js';
import { type PgBouncer, startPgBouncer } from './harness/pgbouncer.js';
import { query, queryOne } from './harness/sql.js';

const databases = new TestDatabases();
let bouncer: PgBouncer;

before(async () => {
  bouncer = await startPgBouncer(adminUrl(), { poolMode: 'transaction' });
});
after(async () => {
  await bouncer?.stop();
  await databases.dropAll();
});

const SHORT = {
  paths: WRITE_PATH_NAMES,
  tasks: [1, 20],
  limit: 5,
  durationMs: 400,
  maxMinutes: 1,
  config: resolveConfig({}, {}),
} satisfies Omit<LoadtestOptions, 'directUrl'>;

/** The load test's rows and contracts in the database (underlying OPTDB). */
async function loadtestData(url: string): Promise<{ snapshots: number; contracts: number }> {
  return queryOne(
    url,
    `SELECT (SELECT count(*)::int FROM option_snapshots s JOIN options o USING (ticker) WHERE o.underlying_ticker = 'OPTDB') AS snapshots,
            (SELECT count(*)::int FROM options WHERE underlying_ticker = 'OPTDB') AS contracts`,
  );
}

const sumRows = (steps: readonly StepResult[]) => steps.reduce((sum, step) => sum + step.rows, 0);
const shape = (steps: readonly StepResult[]) => steps.map(({ target, path, tasks }) => `${target} ${path} ${tasks}`);

test('every path writes exactly the rows it reports, and the queue peak is tasks − limit', async () => {
  const db = await databases.migrated('loadtest_paths');
  const report = await runLoadtest({ ...SHORT, directUrl: db.url, keepData: true });

  assert.deepEqual(shape(report.steps), [
    'direct incident 1',
    'direct incident 20',
    'direct per-row 1',
    'direct per-row 20',
    'direct buffer 1',
    'direct buffer 20',
    'direct buffer-only 1',
    'direct buffer-only 20',
  ]);
  for (const step of report.steps) {
    const label = `${step.path} ${step.tasks}`;
    assert.ok(step.rows > 0, `${label}: no rows`);
    assert.deepEqual(step.errors, {}, label);
    if (step.path === 'buffer-only') {
      // No per-row gate: the buffer's own gate bounds the batches, every task's row waits in it.
      assert.equal(step.limit, SHORT.config.writeConcurrency, label);
      assert.ok(step.queuePeak >= 1 && step.queuePeak <= step.tasks, label);
    } else {
      assert.equal(step.limit, 5);
      // Closed loop: every task has one write outstanding, so all but `limit` of them wait.
      assert.equal(step.queuePeak, Math.max(0, step.tasks - step.limit), label);
    }
    assert.equal(step.pressureWarnings, 0, label);
    assert.ok(step.p50Ms > 0 && step.p50Ms <= step.p99Ms && step.p99Ms <= step.maxMs, label);
  }
  assert.deepEqual(await loadtestData(db.url), { snapshots: sumRows(report.steps), contracts: 200 });
  // Every path wrote the same kind of row: priced, quoted, from the source's timestamps.
  const rows = await queryOne(
    db.url,
    `SELECT count(*) FILTER (WHERE bid IS NULL OR ask < bid OR underlying_price IS NULL)::int AS odd, min(captured_at) < '2001-01-01' AS past FROM option_snapshots`,
  );
  assert.deepEqual(rows, { odd: 0, past: true });
});

test('a run deletes what an earlier run left and, without keepData, leaves nothing — other data untouched', async () => {
  const db = await databases.migrated('loadtest_cleanup');
  await query(
    db.url,
    `INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price) VALUES ('O:AAPL251121C00150000', 'AAPL', 'AAPL', 'call', '2025-11-21', 150)`,
  );
  await query(
    db.url,
    `INSERT INTO option_snapshots (ticker, captured_at, source) VALUES ('O:AAPL251121C00150000', '2000-01-03T00:00:00Z', 'polygon')`,
  );

  const first = await runLoadtest({ ...SHORT, paths: ['per-row'], tasks: [3], directUrl: db.url, keepData: true });
  const second = await runLoadtest({ ...SHORT, paths: ['buffer'], tasks: [3], directUrl: db.url, keepData: true });
  assert.ok(sumRows(first.steps) > 0);
  assert.deepEqual(await loadtestData(db.url), { snapshots: sumRows(second.steps), contracts: 200 });

  await runLoadtest({ ...SHORT, paths: ['per-row'], tasks: [3], directUrl: db.url });
  assert.deepEqual(await loadtestData(db.url), { snapshots: 0, contracts: 0 });
  assert.deepEqual(await query(db.url, 'SELECT ticker FROM option_snapshots'), [{ ticker: 'O:AAPL251121C00150000' }]);
});

test('a queue of more than 5× the limit is warned about; exactly 5× is not', async () => {
  const db = await databases.migrated('loadtest_pressure');
  const events: string[] = [];
  const report = await runLoadtest({
    ...SHORT,
    paths: ['per-row'],
    tasks: [30, 40],
    directUrl: db.url,
    onGateEvent: (event: GateEvent, step) => events.push(`${step.tasks} ${event.kind}`),
  });
  assert.deepEqual(
    report.steps.map((step) => [step.tasks, step.queuePeak, step.pressureWarnings]),
    [
      [30, 25, 0],
      [40, 35, 1],
    ],
  );
  assert.deepEqual(events, ['40 queue-pressure']);
});

test('through PgBouncer: a pooler target appears, and its rows land exactly once', async () => {
  const db = await databases.migrated('loadtest_pooler');
  const report = await runLoadtest({
    ...SHORT,
    paths: ['incident', 'buffer'],
    directUrl: db.url,
    poolerUrl: bouncer.url(db.name),
    keepData: true,
  });
  assert.deepEqual(shape(report.steps), [
    'direct incident 1',
    'direct incident 20',
    'direct buffer 1',
    'direct buffer 20',
    'pooler incident 1',
    'pooler incident 20',
    'pooler buffer 1',
    'pooler buffer 20',
  ]);
  for (const step of report.steps) {
    assert.ok(step.rows > 0, `${step.target} ${step.path} ${step.tasks}: no rows`);
    assert.deepEqual(step.errors, {});
  }
  assert.deepEqual(await loadtestData(db.url), { snapshots: sumRows(report.steps), contracts: 200 });
});

test('database errors are counted by SQLSTATE, and the steps go on', async () => {
  const db = await databases.migrated('loadtest_errors');
  // Every tenth write (captured_at is a fixed base + the write's number in ms) is refused
  // as a deadlock victim would be.
  await query(
    db.url,
    `CREATE FUNCTION refuse_every_tenth() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF extract(milliseconds FROM NEW.captured_at)::int % 10 = 0 THEN
         RAISE EXCEPTION 'deadlock detected (simulated)' USING ERRCODE = '40P01';
       END IF;
       RETURN NEW;
     END $$;
     CREATE TRIGGER refuse_every_tenth BEFORE INSERT ON option_snapshots FOR EACH ROW EXECUTE FUNCTION refuse_every_tenth();`,
  );
  // 20 tasks start 20 consecutive writes at once: at least two of them are refused.
  const report = await runLoadtest({ ...SHORT, tasks: [20], directUrl: db.url, keepData: true });
  assert.deepEqual(shape(report.steps), ['direct incident 20', 'direct per-row 20', 'direct buffer 20', 'direct buffer-only 20']);
  for (const step of report.steps) {
    assert.deepEqual(Object.keys(step.errors), ['40P01'], step.path);
    assert.ok(step.errors['40P01']! >= 2, `${step.path}: ${step.errors['40P01']} errors`);
  }
  // Per-row paths keep writing after an error; failed writes left nothing behind.
  for (const step of report.steps.filter((s) => !s.path.startsWith('buffer'))) assert.ok(step.rows > 0, `${step.path}: no rows`);
  assert.deepEqual(await loadtestData(db.url), { snapshots: sumRows(report.steps), contracts: 200 });
  const refused = await queryOne(
    db.url,
    `SELECT count(*)::int AS n FROM option_snapshots WHERE extract(milliseconds FROM captured_at)::int % 10 = 0`,
  );
  assert.equal(refused.n, 0);
});

/** The documented `--json` step fields. */
const STEP_FIELDS = [
  'errors',
  'limit',
  'maxMs',
  'p50Ms',
  'p99Ms',
  'path',
  'pressureWarnings',
  'queuePeak',
  'rows',
  'rowsPerSecond',
  'target',
  'tasks',
];

test('the CLI: --json prints the documented shape without the URL; the table and progress otherwise', async () => {
  const db = await databases.migrated('loadtest_cli');
  const env = { DATABASE_URL: db.url, DIRECT_URL: undefined, OPTDB_POOL_SIZE: '7' };
  const short = ['loadtest', '--tasks', '1,20', '--limit', '5', '--duration', '400ms', '--paths', 'incident,buffer'];

  const json = await runCli([...short, '--json', '--keep-data'], env);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(report).sort(), ['durationMs', 'poolSize', 'steps']);
  assert.equal(report.poolSize, 7);
  assert.equal(report.durationMs, 400);
  assert.equal(report.steps.length, 4);
  for (const step of report.steps) {
    assert.deepEqual(Object.keys(step).sort(), STEP_FIELDS);
    assert.equal(step.target, 'direct');
    assert.deepEqual(step.errors, {});
  }
  assert.doesNotMatch(json.stdout, /postgres(ql)?:\/\//);
  assert.deepEqual(await loadtestData(db.url), { snapshots: sumRows(report.steps), contracts: 200 });

  const text = await runCli(short, env);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /target\s+path\s+tasks\s+limit\s+queue\(peak\)\s+rows\s+rows\/s\s+p50 ms\s+p99 ms\s+errors/);
  assert.match(text.stdout, /direct\s+buffer\s+20\s+5\s+15\s+\d+/);
  assert.match(text.stdout, /^direct: (incident|buffer) wrote /m);
  assert.match(text.stderr, /step 4\/4 direct buffer 20 tasks/);
  assert.deepEqual(await loadtestData(db.url), { snapshots: 0, contracts: 0 });
});

test('the CLI refuses a plan longer than --max-minutes and an unmigrated database', async () => {
  const db = await databases.migrated('loadtest_refuse');
  const tooLong = await runCli(['loadtest', '--duration', '1m', '--tasks', '1,2,3,4,5,6', '--paths', 'incident,per-row,buffer'], {
    DATABASE_URL: db.url,
  });
  assert.equal(tooLong.code, 1);
  assert.match(tooLong.stderr, /18 steps × 60 s = 18 min, more than --max-minutes 15/);
  assert.match(tooLong.stderr, /--max-minutes 18/);
  assert.deepEqual(await loadtestData(db.url), { snapshots: 0, contracts: 0 });

  const empty = await databases.empty('loadtest_unmigrated');
  const unmigrated = await runCli(['loadtest', '--tasks', '1', '--duration', '100ms'], { DATABASE_URL: empty.url });
  assert.equal(unmigrated.code, 1);
  assert.match(unmigrated.stderr, /optdb migrate/);
});

test('Ctrl-C stops the run and deletes its data before exiting', async () => {
  const db = await databases.migrated('loadtest_interrupt');
  const child = spawnCli(['loadtest', '--tasks', '5,5,5,5,5', '--limit', '5', '--duration', '400ms', '--paths', 'buffer'], {
    DATABASE_URL: db.url,
  });
  const done = collect(child);
  await new Promise<void>((resolve) =>
    child.stderr!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('step 1/5')) resolve();
    }),
  );
  assert.ok((await loadtestData(db.url)).snapshots > 0, 'the first step wrote rows');
  child.kill('SIGINT');
  const result = await done;
  assert.equal(result.code, 130, result.stderr);
  assert.doesNotMatch(result.stderr, /step 5\/5/);
  assert.deepEqual(await loadtestData(db.url), { snapshots: 0, contracts: 0 });
});
