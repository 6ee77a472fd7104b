/**
 * Every input row is counted exactly once — inserted, updated, unchanged, collapsed,
 * skipped or rejected — and the summary is printed on every path, through the built CLI
 * as a user runs it: a stray quote, a row the database refuses and a rerun after it, and
 * a reject limit that stops the ingest.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { writeSample } from '../src/sample/generate-sample.js';
import { runCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { ingestWithRejects, readRejects } from './harness/rejects.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-accounting-');
after(() => databases.dropAll());

const HEADER = 'ticker,volume,open,close,high,low,window_start,transactions';
const row = (ticker: string, volume = '12') => `${ticker},${volume},6.5,6.6,6.6,6.5,1686888000000000000,3`;

async function sampleLines(name: string, seed: number): Promise<string[]> {
  const file = path.join(dir.path, name);
  await writeSample({ out: file, format: 'day-aggs-csv', underlyings: 5, contracts: 40_000, date: '2025-11-20', seed });
  return (await fs.readFile(file, 'utf8')).trimEnd().split('\n');
}

test('a stray quote at the start of a line rejects that line alone; every other line is read and counted', async () => {
  const lines = await sampleLines('quote-source.csv', 21);
  const rows = lines.length - 1;
  assert.ok(rows > 3_000, `${rows} rows`);
  lines[2] = `"${lines[2]}`; // line 3
  const file = path.join(dir.path, 'quote.csv');
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  const rejects = path.join(dir.path, 'quote-rejects.ndjson');

  const result = await runCli(['ingest', file, '--dry-run', '--json', '--rejects', rejects, '--max-rejects', '5%']);
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.deepEqual([summary.rowsRead, summary.valid, summary.rejected], [rows, rows - 1, 1]);
  const [reject, ...more] = await readRejects(rejects);
  assert.deepEqual(more, []);
  assert.equal(reject!.location, 3);
  assert.equal(reject!.raw, lines[2]);
  assert.match(reject!.reason, /^malformed CSV: a quote opened at column 1 is not closed on this line/);
});

test('a row the database refused is rejected again on the rerun, never counted as committed', async () => {
  const db = await databases.migrated('accounting_refused');
  const file = path.join(dir.path, 'refused.csv');
  const tickers = ['O:A230616C00050000', 'O:B230616C00050000', 'O:C230616C00050000', 'O:D230616C00050000', 'O:E230616C00050000'];
  // The third row's volume does not fit a bigint: 22003, refused by the server, not by validation.
  await fs.writeFile(file, [HEADER, ...tickers.map((ticker, i) => row(ticker, i === 2 ? '99999999999999999999' : '12'))].join('\n') + '\n');

  const first = await runCli(['ingest', file, '--json'], { DATABASE_URL: db.url });
  assert.equal(first.code, 0, first.stderr);
  const one = JSON.parse(first.stdout);
  assert.deepEqual([one.rowsRead, one.inserted, one.skipped, one.rejected], [5, 4, 0, 1]);

  const second = await runCli(['ingest', file, '--json'], { DATABASE_URL: db.url });
  assert.equal(second.code, 0, second.stderr);
  const two = JSON.parse(second.stdout);
  assert.deepEqual([two.rowsRead, two.inserted, two.skipped, two.rejected], [5, 0, 4, 1]);
  const [{ bars }] = await query(db.url, 'SELECT count(*)::int AS bars FROM option_day_aggs');
  assert.equal(bars, 4);
});

test('--max-rejects stops the ingest with the summary of what was committed, in text and JSON', async () => {
  const lines = await sampleLines('rejects-source.csv', 22);
  const rows = lines.length - 1;
  // Every fifth line of the second half is bad: 10 % of the file, well past 5 % by the end.
  const bad = lines.map((line, i) => (i > rows / 2 && i % 5 === 0 ? line.replace(/^O:/, 'X:') : line));
  const file = path.join(dir.path, 'rejects.csv');
  await fs.writeFile(file, `${bad.join('\n')}\n`);

  const db = await databases.migrated('accounting_max_rejects');
  const json = await runCli(['ingest', file, '--json', '--max-rejects', '5%', '--batch-size', '500'], { DATABASE_URL: db.url });
  assert.equal(json.code, 1, json.stderr);
  const summary = JSON.parse(json.stdout);
  assert.equal(`optdb: ${summary.stopped}`, json.stderr.split('\n')[0]);
  assert.match(summary.stopped, /^(\d+\.\d+)% of rows rejected \((\d+) of (\d+)\), more than --max-rejects 5%; stopped\.$/);
  const [, share, rejected, read] = /^(\d+\.\d+)%.*\((\d+) of (\d+)\)/.exec(summary.stopped)!;
  assert.ok(Number(share) > 5, `${share} is shown above 5`);
  assert.deepEqual([Number(rejected), Number(read)], [summary.rejected, summary.rowsRead]);
  assert.ok(summary.rowsRead < rows, 'stopped before the end');
  const [{ bars }] = await query(db.url, 'SELECT count(*)::int AS bars FROM option_day_aggs');
  assert.ok(bars > 0);
  assert.equal(summary.inserted, bars, 'the summary counts what was committed');
  assert.equal(summary.rowsRead, summary.inserted + summary.rejected + summary.collapsed);

  const text = await runCli(['ingest', file, '--max-rejects', '5%', '--batch-size', '500', '--no-progress'], {
    DATABASE_URL: (await databases.migrated('accounting_max_rejects_text')).url,
  });
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, /^stopped after reading \d+ rows in /);
  assert.match(text.stdout, /stopped: the rows above are committed; a rerun skips them/);
  assert.match(text.stderr, /Pass --rejects <file> to see why rows were rejected\./);
  assert.match(text.stderr, /% of rows rejected .* more than --max-rejects 5%; stopped\./);
});

test('an input with no rows is said to have none; a rerun that finds everything committed says so', async () => {
  const db = await databases.migrated('accounting_empty');
  for (const [name, content] of [
    ['empty.ndjson', ''],
    ['empty-array.json', '[]'],
    ['header-only.csv', `${HEADER}\n`],
  ] as const) {
    const file = path.join(dir.path, name);
    await fs.writeFile(file, content);
    const result = await runCli(['ingest', file, '--no-progress'], { DATABASE_URL: db.url });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /nothing was read: the input holds no rows/, name);
  }
  const file = path.join(dir.path, 'twice.csv');
  await fs.writeFile(file, `${HEADER}\n${row('O:F230616C00050000')}\n${row('O:G230616C00050000')}\n`);
  assert.equal((await runCli(['ingest', file], { DATABASE_URL: db.url })).code, 0);
  const again = await runCli(['ingest', file, '--no-progress'], { DATABASE_URL: db.url });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^nothing new: all 2 rows were committed by an earlier run/);
  // The counts line up: skipped's ends in the same column as inserted's.
  const end = (label: string) => new RegExp(`^ {2}${label} +\\d+`, 'm').exec(again.stdout)?.[0].length;
  assert.equal(end('skipped'), end('inserted'));
  assert.match(again.stdout, /^ {2}skipped +2 {2}\(committed by an earlier run\)$/m);
});

test('a bar whose open lies above its high, or a price in exponent notation, is rejected with the reason', async () => {
  const db = await databases.migrated('accounting_bars');
  const file = path.join(dir.path, 'bars.csv');
  await fs.writeFile(
    file,
    [
      HEADER,
      'O:H230616C00050000,12,1e3,1.1,1.2,1.0,1686888000000000000,3',
      'O:I230616C00050000,12,1000,1.1,1.2,1.0,1686888000000000000,3',
      'O:J230616C00050000,12,1.1,1.3,1.2,1.0,1686888000000000000,3',
      'O:K230616C00050000,12,1.1,1.15,1.2,1.0,1686888000000000000,3',
    ].join('\n') + '\n',
  );
  const { summary, rejects } = await ingestWithRejects(file, { DATABASE_URL: db.url });
  assert.deepEqual([summary.inserted, summary.rejected], [1, 3]);
  assert.deepEqual(
    rejects.map((r) => [r.location, r.reason]),
    [
      [2, 'exponent notation: open is "1e3"'],
      [3, 'open 1000 outside [low 1.0, high 1.2]'],
      [4, 'close 1.3 outside [low 1.0, high 1.2]'],
    ],
  );
  const [{ open }] = await query(db.url, 'SELECT open::text FROM option_day_aggs');
  assert.equal(open, '1.1');
});
