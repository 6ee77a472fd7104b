import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { writeSample } from '../src/sample/generate-sample.js';
import { runCli } from './harness/cli.js';
import { type TestDatabase, TestDatabases } from './harness/database.js';
import { query } from './harness/sql.js';

let dir: string;
const databases = new TestDatabases();
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-sample-ingest-'));
});
after(async () => {
  await databases.dropAll();
  await fs.rm(dir, { recursive: true, force: true });
});

const database = (label: string): Promise<TestDatabase> => databases.migrated(label);

async function ingest(db: TestDatabase, args: string[]): Promise<Record<string, number>> {
  const result = await runCli(['ingest', ...args, '--json'], { DATABASE_URL: db.url }, 300_000);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

test('a 100k-row generated chain is ingested completely', async () => {
  const file = path.join(dir, 'chain-100k.ndjson.gz');
  const sample = await writeSample({ out: file, format: 'chain-ndjson', underlyings: 20, contracts: 100_000, date: '2025-11-20', seed: 7 });
  assert.equal(sample.rows, 100_000);
  const db = await database('sample_100k');
  const summary = await ingest(db, [file]);
  assert.deepEqual([summary.rowsRead, summary.inserted, summary.rejected, summary.collapsed], [100_000, 100_000, 0, 0]);
  const [counts] = await query(
    db.url,
    `SELECT (SELECT count(*) FROM option_snapshots)::int AS snapshots, (SELECT count(*) FROM options)::int AS contracts`,
  );
  assert.deepEqual(counts, { snapshots: 100_000, contracts: 100_000 });
});

const CHECKSUMS = `SELECT
  (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (
     SELECT ticker, captured_at, day_open, day_high, day_low, day_close, day_volume, day_vwap, day_change, day_change_percent, previous_close,
            open_interest, implied_volatility, delta, gamma, theta, vega, bid, bid_size, ask, ask_size, date_trunc('milliseconds', quote_at),
            last_price, last_size, last_exchange, date_trunc('milliseconds', last_trade_at), underlying_price, break_even_price, source
     FROM option_snapshots) t) AS snapshots,
  (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (SELECT * FROM option_day_aggs) t) AS day_aggs,
  (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (
     SELECT ticker, underlying_ticker, root, contract_type, expiration_date, strike_price, shares_per_contract, exercise_style, primary_exchange FROM options) t) AS contracts`;

test('copy, unnest and prisma load the same sample to the same tables', async () => {
  const chain = path.join(dir, 'chain.json');
  const bars = path.join(dir, 'bars.csv');
  const options = { underlyings: 6, contracts: 1_500, date: '2025-11-20', seed: 11 };
  await writeSample({ ...options, out: chain, format: 'chain-json' });
  await writeSample({ ...options, out: bars, format: 'day-aggs-csv' });

  const sums = new Map<string, Record<string, unknown>>();
  for (const strategy of ['copy', 'unnest', 'prisma']) {
    const db = await database(`equivalence_${strategy}`);
    // Bars first (contracts from tickers alone), then the chain (which knows more).
    await ingest(db, [bars, '--strategy', strategy, '--batch-size', '400']);
    const summary = await ingest(db, [chain, '--strategy', strategy, '--batch-size', '400']);
    assert.equal(summary.inserted, 1_500, strategy);
    sums.set(strategy, (await query(db.url, CHECKSUMS))[0]!);
  }
  assert.deepEqual(sums.get('unnest'), sums.get('copy'));
  assert.deepEqual(sums.get('prisma'), sums.get('copy'));
});
