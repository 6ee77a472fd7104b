/**
 * `optdb ingest` through a real PgBouncer in transaction mode (what Neon's `-pooler` hosts
 * and most managed poolers run): DATABASE_URL is the pooler, DIRECT_URL the server (the
 * schema check and migrations need a session). Both bulk strategies must land every row
 * exactly once — the `copy` strategy's `ON COMMIT DROP` staging tables included — and a
 * re-ingest must write nothing.
 *
 * PgBouncer gets fewer server connections (4) than optdb has batches in flight (8), so
 * server connections really are handed from one client's transaction to another's.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { writeSample } from '../src/sample/generate-sample.js';
import { collect, runCli, spawnCli } from './harness/cli.js';
import { adminUrl, type TestDatabase, TestDatabases } from './harness/database.js';
import { startPgBouncer, type PgBouncer } from './harness/pgbouncer.js';
import { query } from './harness/sql.js';

const CONTRACTS = 20_000;
const SERVER_CONNECTIONS = 4;
const CONCURRENCY = 8; // more than SERVER_CONNECTIONS, at most optdb's default pool size (10)
const BATCH_SIZE = 1_000;

let dir: string;
let bouncer: PgBouncer;
let chain: string;
let bars: string;
let barRows: number;
const databases = new TestDatabases();

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-pgbouncer-ingest-'));
  chain = path.join(dir, 'chain.ndjson.gz');
  bars = path.join(dir, 'bars.csv.gz');
  const options = { underlyings: 8, contracts: CONTRACTS, date: '2025-11-20', seed: 23 };
  const [chainSample, barSample] = await Promise.all([
    writeSample({ ...options, out: chain, format: 'chain-ndjson' }),
    writeSample({ ...options, out: bars, format: 'day-aggs-csv' }),
  ]);
  assert.equal(chainSample.rows, CONTRACTS);
  assert.ok(barSample.rows > 0 && barSample.rows <= CONTRACTS);
  barRows = barSample.rows;
  bouncer = await startPgBouncer(adminUrl(), { poolMode: 'transaction', defaultPoolSize: SERVER_CONNECTIONS });
});

after(async () => {
  await bouncer?.stop();
  await databases.dropAll();
  await fs.rm(dir, { recursive: true, force: true });
});

/** The fields of `optdb ingest --json` this test reads (`skipped`: rows an earlier run committed). */
interface Summary {
  rowsRead: number;
  valid: number;
  batches: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped?: number;
  collapsed: number;
  rejected: number;
  contractsCreated: number;
  contractsUpdated: number;
}

async function ingestThroughPooler(t: TestContext, db: TestDatabase, paths: string[], strategy: string): Promise<Summary> {
  const started = performance.now();
  const result = await runCli(
    [
      'ingest',
      ...paths,
      '--strategy',
      strategy,
      '--concurrency',
      String(CONCURRENCY),
      '--batch-size',
      String(BATCH_SIZE),
      '--json',
      '--no-progress',
    ],
    { DATABASE_URL: bouncer.url(db.name), DIRECT_URL: db.url },
    300_000,
  );
  assert.equal(result.code, 0, `optdb ingest --strategy ${strategy} through PgBouncer failed:\n${result.stderr}`);
  const summary = JSON.parse(result.stdout) as Summary;
  t.diagnostic(
    `${strategy}: ${summary.rowsRead} rows, ${summary.batches} batches in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(inserted ${summary.inserted}, updated ${summary.updated}, unchanged ${summary.unchanged}, skipped ${summary.skipped ?? 0})`,
  );
  return summary;
}

const COUNTS = `SELECT (SELECT count(*) FROM options)::int AS contracts,
  (SELECT count(*) FROM option_snapshots)::int AS snapshots,
  (SELECT count(*) FROM option_day_aggs)::int AS day_aggs,
  (SELECT count(*) FROM (SELECT ticker, captured_at FROM option_snapshots GROUP BY 1, 2 HAVING count(*) > 1) d)::int AS doubled_snapshots,
  (SELECT count(*) FROM (SELECT ticker, day FROM option_day_aggs GROUP BY 1, 2 HAVING count(*) > 1) d)::int AS doubled_day_aggs`;

// Every column that both strategies store identically (see ingest.sample.test.ts).
const CHECKSUMS = `SELECT
  (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (
     SELECT ticker, captured_at, day_open, day_high, day_low, day_close, day_volume, day_vwap, day_change, day_change_percent, previous_close,
            open_interest, implied_volatility, delta, gamma, theta, vega, bid, bid_size, ask, ask_size, quote_at,
            last_price, last_size, last_exchange, last_trade_at, underlying_price, break_even_price, source
     FROM option_snapshots) t) AS snapshots,
  (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (SELECT * FROM option_day_aggs) t) AS day_aggs,
  (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (
     SELECT ticker, underlying_ticker, root, contract_type, expiration_date, strike_price, shares_per_contract, exercise_style, primary_exchange FROM options) t) AS contracts`;

/** Rows the import ledger says are committed, over every input of the database. */
const LEDGER_ROWS = 'SELECT coalesce(sum(rows), 0)::int AS committed FROM import_batches';

const checksums = new Map<string, Record<string, unknown>>();

for (const strategy of ['copy', 'unnest']) {
  test(`--strategy ${strategy} through PgBouncer (transaction mode) writes every row exactly once, and a re-ingest writes nothing`, async (t) => {
    const db = await databases.migrated(`pgbouncer_${strategy}`);
    const total = CONTRACTS + barRows;

    const first = await ingestThroughPooler(t, db, [chain, bars], strategy);
    assert.deepEqual(
      {
        rowsRead: first.rowsRead,
        valid: first.valid,
        inserted: first.inserted,
        updated: first.updated,
        unchanged: first.unchanged,
        collapsed: first.collapsed,
        rejected: first.rejected,
        contractsCreated: first.contractsCreated,
      },
      { rowsRead: total, valid: total, inserted: total, updated: 0, unchanged: 0, collapsed: 0, rejected: 0, contractsCreated: CONTRACTS },
    );
    const expected = { contracts: CONTRACTS, snapshots: CONTRACTS, day_aggs: barRows, doubled_snapshots: 0, doubled_day_aggs: 0 };
    assert.deepEqual((await query(db.url, COUNTS))[0], expected, 'counted through the direct URL');
    const sums = (await query(db.url, CHECKSUMS))[0]!;
    checksums.set(strategy, sums);
    const [{ committed }] = await query(db.url, LEDGER_ROWS);

    // The same data under other paths (another import identity, so no resume skipping):
    // every row goes to the database again, and none is written.
    const copies = [path.join(dir, `again-${strategy}-chain.ndjson.gz`), path.join(dir, `again-${strategy}-bars.csv.gz`)];
    await fs.copyFile(chain, copies[0]!);
    await fs.copyFile(bars, copies[1]!);
    const again = await ingestThroughPooler(t, db, copies, strategy);
    assert.deepEqual(
      {
        rowsRead: again.rowsRead,
        inserted: again.inserted,
        updated: again.updated,
        unchanged: again.unchanged,
        skipped: again.skipped ?? 0,
        rejected: again.rejected,
        contractsCreated: again.contractsCreated,
        contractsUpdated: again.contractsUpdated,
      },
      { rowsRead: total, inserted: 0, updated: 0, unchanged: total, skipped: 0, rejected: 0, contractsCreated: 0, contractsUpdated: 0 },
    );

    // The same paths again: the import ledger skips exactly what the first run committed
    // (read from the ledger, not assumed), and nothing is written.
    const rerun = await ingestThroughPooler(t, db, [chain, bars], strategy);
    assert.ok(committed > 0, 'the first run recorded nothing in the import ledger');
    assert.deepEqual(
      {
        rowsRead: rerun.rowsRead,
        skipped: rerun.skipped ?? 0,
        unchanged: rerun.unchanged,
        inserted: rerun.inserted,
        updated: rerun.updated,
        rejected: rerun.rejected,
      },
      { rowsRead: total, skipped: committed, unchanged: total - committed, inserted: 0, updated: 0, rejected: 0 },
    );

    assert.deepEqual((await query(db.url, COUNTS))[0], expected, 'nothing lost or doubled by the re-ingests');
    assert.deepEqual((await query(db.url, CHECKSUMS))[0], sums, 're-ingests changed no value');

    const [stats] = (await query(bouncer.adminUrl, 'SHOW STATS')).filter((row) => row.database === db.name);
    assert.ok(stats, `PgBouncer has no stats for ${db.name}: the ingest did not go through it`);
    const servers = (await query(bouncer.adminUrl, 'SHOW SERVERS')).filter((row) => row.database === db.name);
    // Each batch is one transaction, all of them through the pooler (ledger reads and the
    // closing ANALYZE add a few more).
    const batches = first.batches + again.batches + rerun.batches;
    assert.ok(Number(stats.total_xact_count) >= batches, `${stats.total_xact_count} transactions through PgBouncer for ${batches} batches`);
    t.diagnostic(
      `PgBouncer for ${db.name}: ${stats.total_xact_count} transactions, ${stats.total_query_count} queries over ${servers.length} server connections; ` +
        `clients waited ${(Number(stats.total_wait_time) / 1000).toFixed(0)} ms in total for a server connection`,
    );
  });
}

test('both strategies stored the same data through PgBouncer', (t) => {
  if (checksums.size < 2) t.skip('a strategy test failed');
  else assert.deepEqual(checksums.get('unnest'), checksums.get('copy'));
});

test('an ingest through PgBouncer stopped by Ctrl-C: the rerun skips exactly the rows committed before the stop', async (t) => {
  const db = await databases.migrated('pgbouncer_resume');
  const lines = gunzipSync(await fs.readFile(bars))
    .toString('utf8')
    .trimEnd()
    .split('\n');
  const rows = lines.length - 1;
  const args = [
    'ingest',
    '-',
    '--import-id',
    'bars-2025-11-20',
    '--concurrency',
    String(CONCURRENCY),
    '--batch-size',
    '200',
    '--json',
    '--no-progress',
  ];
  const env = { DATABASE_URL: bouncer.url(db.name), DIRECT_URL: db.url };

  // Half the input, then stdin stays open: the ingest cannot finish before the Ctrl-C.
  const child = spawnCli(args, env, 'pipe');
  t.after(() => void child.kill('SIGKILL'));
  const done = collect(child, 120_000);
  child.stdin!.on('error', () => {}); // an ingest that exits early is reported by its exit below
  let exited = false;
  void done.then(() => (exited = true));
  const half = Math.floor(rows / 2);
  child.stdin!.write(lines.slice(0, 1 + half).join('\n') + '\n');
  await waitUntil('a batch committed through PgBouncer', async () => {
    if (exited) assert.fail(`the ingest ended before the Ctrl-C:\n${(await done).stderr}`);
    return (await query(db.url, LEDGER_ROWS))[0].committed > 0;
  });
  child.kill('SIGINT');
  const interrupted = await done;
  assert.equal(interrupted.code, 130, interrupted.stderr);
  const stopped = JSON.parse(interrupted.stdout) as Summary & { interrupted: boolean };
  assert.equal(stopped.interrupted, true);

  // What was committed before the stop, as the ledger (read past the pooler) has it.
  const [{ committed }] = await query(db.url, LEDGER_ROWS);
  const [{ stored }] = await query(db.url, 'SELECT count(*)::int AS stored FROM option_day_aggs');
  assert.ok(committed > 0 && committed < rows, `${committed} of ${rows} rows committed before the stop`);
  assert.equal(stored, committed, 'the ledger and the table disagree');
  assert.equal(stopped.inserted, committed, 'the stopped summary does not say what was committed');

  const resumed = spawnCli(args, env, 'pipe');
  resumed.stdin!.end(lines.join('\n') + '\n');
  const rerun = await collect(resumed, 120_000);
  assert.equal(rerun.code, 0, rerun.stderr);
  const second = JSON.parse(rerun.stdout) as Summary;
  assert.deepEqual(
    {
      rowsRead: second.rowsRead,
      skipped: second.skipped,
      inserted: second.inserted,
      unchanged: second.unchanged,
      updated: second.updated,
      rejected: second.rejected,
    },
    { rowsRead: rows, skipped: committed, inserted: rows - committed, unchanged: 0, updated: 0, rejected: 0 },
  );
  const [counts] = await query(db.url, 'SELECT count(*)::int AS stored, count(DISTINCT (ticker, day))::int AS keys FROM option_day_aggs');
  assert.deepEqual(counts, { stored: rows, keys: rows });
});

/** Polls `ready`; the bound only ends a broken test, it is not what the test checks. */
async function waitUntil(what: string, ready: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1_200; i++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}
