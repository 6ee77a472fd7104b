/**
 * One record never stops a run: an absurd timestamp, a value nested deeper than any stack,
 * a strike written with a hundred thousand digits — each is rejected with its reason, by
 * the built CLI, and the rows around it are stored. Judged by outcome: a pattern that
 * backtracked over such input would not finish within the test's time at all.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { redactText } from '../src/redact.js';
import { runCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { DOCUMENTED_RESULT, sampleChain } from './harness/polygon-fixtures.js';
import { ingestWithRejects, readRejects } from './harness/rejects.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-hostile-values-');
after(() => databases.dropAll());

const HEADER = 'ticker,volume,open,close,high,low,window_start,transactions';

test('chain NDJSON: a 31-digit timestamp, a strike of 200,000 digits and a result nested 100,000 deep are rejected; the others stored', async () => {
  const db = await databases.migrated('hostile_chain');
  const [good1, good2, base] = sampleChain('QQQ', 3);
  const absurdTime = base!.replace(/("last_quote":\{[^}]*"last_updated":)\d+/, '$11000000000000000000000000000000');
  assert.notEqual(absurdTime, base);
  // Zeros that are not trailing: what a trailing-zeros pattern backtracks over.
  const longStrike = DOCUMENTED_RESULT.replace('"strike_price":4500', `"strike_price":4500.${'0'.repeat(200_000)}1`);
  const deep = `{"details":{"ticker":"O:QQQ251219C00500000"},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const file = path.join(dir.path, 'hostile.ndjson');
  await fs.writeFile(file, [good1, absurdTime, longStrike, deep, good2].join('\n') + '\n');
  const rejects = path.join(dir.path, 'hostile-chain-rejects.ndjson');

  const result = await runCli(['ingest', file, '--json', '--rejects', rejects, '--no-progress'], { DATABASE_URL: db.url });
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.deepEqual([summary.rowsRead, summary.inserted, summary.rejected], [5, 2, 3]);
  const reasons = (await readRejects(rejects)).map((r) => [r.location, r.reason]);
  assert.equal(reasons.length, 3);
  assert.deepEqual(reasons[0], [
    2,
    'bad last_quote.last_updated: 1000000000000000000000000000000 is after 2100 (Unix nanoseconds expected)',
  ]);
  assert.equal(reasons[1]![0], 3);
  assert.match(String(reasons[1]![1]), /^details\.strike_price 4500\.0{20,}… contradicts the ticker \(4500\)$/);
  assert.equal(reasons[2]![0], 4);
  const [{ snapshots }] = await query(db.url, 'SELECT count(*)::int AS snapshots FROM option_snapshots');
  assert.equal(snapshots, 2);
});

test('chain JSON page: a result nested 100,000 deep is rejected with a reason; the page goes on', async () => {
  const db = await databases.migrated('hostile_page');
  const [good1, good2] = sampleChain('IWM', 2);
  const deep = `{"details":{"ticker":"O:IWM251219C00200000"},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const file = path.join(dir.path, 'deep-page.json');
  await fs.writeFile(file, `{"status":"OK","results":[${good1},${deep},${good2}]}`);
  const rejects = path.join(dir.path, 'deep-page-rejects.ndjson');
  const result = await runCli(['ingest', file, '--json', '--rejects', rejects, '--no-progress'], { DATABASE_URL: db.url });
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.deepEqual([summary.rowsRead, summary.inserted, summary.rejected], [3, 2, 1]);
  const [reject] = await readRejects(rejects);
  assert.equal(reject!.location, 2);
  assert.ok(reject!.reason.length > 0);
});

test('day_aggs CSV: a 26-digit window_start is rejected with its reason; the rows around it are stored', async () => {
  const db = await databases.migrated('hostile_csv');
  const file = path.join(dir.path, 'absurd-window.csv');
  await fs.writeFile(
    file,
    [
      HEADER,
      'O:A230616C00050000,12,6.5,6.6,6.6,6.5,1686888000000000000,3',
      'O:B230616C00050000,12,6.5,6.6,6.6,6.5,10000000000000000000000000,3',
      'O:C230616C00050000,12,6.5,6.6,6.6,6.5,1686888000000000000,3',
    ].join('\n') + '\n',
  );
  const { summary, rejects } = await ingestWithRejects(file, { DATABASE_URL: db.url });
  assert.deepEqual([summary.rowsRead, summary.inserted, summary.rejected], [3, 2, 1]);
  assert.deepEqual(
    rejects.map((r) => [r.location, r.reason]),
    [[3, 'bad window_start: 10000000000000000000000000 is after 2100 (Unix nanoseconds expected)']],
  );
});

test('a line of 200,000 characters built to make a pattern backtrack is masked correctly', () => {
  // Many URL starts with a user and a colon, no '@': nothing to mask, and nothing to hang on.
  const hostile = 'postgresql://u:'.repeat(13_000);
  assert.equal(redactText(hostile), hostile);
  const withSecret = `${'a.'.repeat(50_000)}:// and postgresql://u:s3cret@h/db ${'x://y:'.repeat(10_000)}`;
  const masked = redactText(withSecret);
  assert.ok(!masked.includes('s3cret'));
  assert.ok(masked.includes('postgresql://u:****@h/db'));
});
