/**
 * `optdb ingest` flags as a user passes them to the built CLI: --format forcing a
 * reader, --dry-run writing nothing, the 8 MB bound on a batch, --metrics-file written
 * when the ingest stops, and a command line that cannot be parsed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { DEFAULT_BATCH_LIMITS } from '../src/write/batch.js';
import { type CliResult, runCli } from './harness/cli.js';
import { type TestDatabase, TestDatabases } from './harness/database.js';
import { DOCUMENTED_RESULT } from './harness/polygon-fixtures.js';
import { samples } from './harness/prometheus.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-ingest-flags-');
after(() => databases.dropAll());

/** The documented result as another call, at another strike. */
const resultAt = (strike: number): string =>
  DOCUMENTED_RESULT.replace('O:SPXW230712C04500000', `O:SPXW230712C0${strike}000`).replace(
    '"strike_price":4500',
    `"strike_price":${strike}`,
  );
const CSV_HEADER = 'ticker,volume,open,close,high,low,window_start,transactions';
const barLine = (i: number, price = '1.25') =>
  `O:AAPL251121C${String(100_000 + i * 500).padStart(8, '0')},${10 + i},${price},${price},${price},${price},1763614800000000000,2`;

const ingest = (db: TestDatabase | undefined, args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(['ingest', '--no-progress', ...args], { DATABASE_URL: db?.url, ...env });

function summaryOf(result: CliResult): Record<string, any> {
  const line = result.stdout
    .trim()
    .split('\n')
    .find((text) => text.startsWith('{'));
  assert.ok(line, `no JSON summary on stdout: ${result.stdout}\n${result.stderr}`);
  return JSON.parse(line);
}

async function counts(db: TestDatabase): Promise<Record<string, number>> {
  const [row] = await query(
    db.url,
    `SELECT (SELECT count(*)::int FROM option_snapshots) AS snapshots, (SELECT count(*)::int FROM option_day_aggs) AS day_aggs,
    (SELECT count(*)::int FROM options) AS options, (SELECT count(*)::int FROM import_batches) AS ledger`,
  );
  return row;
}
const NOTHING = { snapshots: 0, day_aggs: 0, options: 0, ledger: 0 };

test('--format chain-ndjson reads a .txt file whose first line defeats detection; without it the ingest stops naming --format', async () => {
  const db = await databases.migrated('ingest_flags');
  const notes = await dir.write('notes.txt', ['# exported by a tool', resultAt(4500), resultAt(4600)].join('\n') + '\n');

  const undetected = await ingest(db, [notes, '--json']);
  assert.equal(undetected.code, 1, undetected.stderr);
  assert.match(
    undetected.stderr,
    /Cannot tell the format of .*notes\.txt: it starts with "# exported by a "; pass --format chain-json\|chain-ndjson\|day-aggs-csv/,
  );
  assert.deepEqual(await counts(db), NOTHING);

  const rejects = path.join(dir.path, 'notes.rejects.ndjson');
  const forced = await ingest(db, [notes, '--format', 'chain-ndjson', '--json', '--rejects', rejects]);
  assert.equal(forced.code, 0, forced.stderr);
  const summary = summaryOf(forced);
  assert.deepEqual([summary.rowsRead, summary.inserted, summary.rejected], [3, 2, 1]);
  const [reject] = (await fs.readFile(rejects, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual([reject.location, reject.raw], [1, '# exported by a tool']);
  assert.match(reject.reason, /malformed JSON/);
  assert.deepEqual(await query(db.url, 'SELECT ticker FROM option_snapshots ORDER BY ticker'), [
    { ticker: 'O:SPXW230712C04500000' },
    { ticker: 'O:SPXW230712C04600000' },
  ]);
});

test('--format day-aggs-csv overrides a misleading extension: CSV in a .json file', async () => {
  const db = await databases.migrated('ingest_flags');
  const bars = await dir.write('bars.json', [CSV_HEADER, barLine(1), barLine(2)].join('\n') + '\n');

  const byName = await ingest(db, [bars, '--json']);
  assert.equal(byName.code, 1, byName.stderr);
  assert.match(byName.stderr, /bars\.json: the JSON document starts with "t", not an object or array of results/);
  assert.deepEqual(await counts(db), NOTHING);

  const forced = await ingest(db, [bars, '--format', 'day-aggs-csv', '--json']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual([summaryOf(forced).inserted, summaryOf(forced).rejected], [2, 0]);
  assert.deepEqual(await query(db.url, 'SELECT ticker, volume::text FROM option_day_aggs ORDER BY ticker'), [
    { ticker: 'O:AAPL251121C00100500', volume: '11' },
    { ticker: 'O:AAPL251121C00101000', volume: '12' },
  ]);
});

test('a wrong --format: a CSV reader stops naming the missing columns; a JSON-lines reader rejects every line; a bad name is a usage error', async () => {
  const db = await databases.migrated('ingest_flags');
  const chain = await dir.write('wrong.ndjson', `${resultAt(4500)}\n${resultAt(4600)}\n`);
  const asCsv = await ingest(db, [chain, '--format', 'day-aggs-csv', '--json']);
  assert.equal(asCsv.code, 1, asCsv.stderr);
  assert.match(asCsv.stderr, /wrong\.ndjson: no "ticker", "open", "high", "low", "close", "volume", "window_start" columns in the header/);
  assert.match(asCsv.stderr, /pass another --format/);
  assert.equal(summaryOf(asCsv).inserted, 0);

  const bars = await dir.write('right.csv', [CSV_HEADER, barLine(1), barLine(2)].join('\n') + '\n');
  const asNdjson = await ingest(db, [bars, '--format', 'chain-ndjson', '--json']);
  assert.equal(asNdjson.code, 0, asNdjson.stderr);
  assert.deepEqual([summaryOf(asNdjson).rowsRead, summaryOf(asNdjson).rejected, summaryOf(asNdjson).inserted], [3, 3, 0]);
  assert.deepEqual(await counts(db), NOTHING);

  const unknown = await ingest(db, [bars, '--format', 'parquet']);
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.match(
    unknown.stderr,
    /option '--format <format>' argument 'parquet' is invalid\. expected one of chain-json, chain-ndjson, day-aggs-csv/,
  );
  assert.deepEqual(await counts(db), NOTHING);
});

test('--dry-run counts valid and rejected rows and writes nothing — it needs no database at all', async () => {
  const db = await databases.migrated('ingest_flags');
  const input = await dir.write(
    'dry.ndjson',
    [resultAt(4500), resultAt(4600), resultAt(4500), '{"details":{"ticker":"O:BAD"}}', resultAt(4700)].join('\n') + '\n',
  );
  const rejects = path.join(dir.path, 'dry.rejects.ndjson');

  const checked = await ingest(db, [input, '--dry-run', '--json', '--rejects', rejects]);
  assert.equal(checked.code, 0, checked.stderr);
  const summary = summaryOf(checked);
  assert.deepEqual(
    [summary.dryRun, summary.rowsRead, summary.valid, summary.collapsed, summary.rejected, summary.inserted, summary.contractsCreated],
    [true, 5, 3, 1, 1, 0, 0],
  );
  assert.equal((await fs.readFile(rejects, 'utf8')).trim().split('\n').length, 1);
  assert.deepEqual(await counts(db), NOTHING);

  // The text summary says the same, and neither an unreachable server nor the embedded one is touched.
  const dataDir = path.join(dir.path, 'never-created');
  const offline = await runCli(['--data-dir', dataDir, 'ingest', input, '--dry-run', '--no-progress'], {
    DATABASE_URL: undefined,
    OPTDB_DATA_DIR: undefined,
  });
  assert.equal(offline.code, 0, offline.stderr);
  assert.match(offline.stdout, /^checked 5 rows in /m);
  assert.match(offline.stdout, /^ {2}valid +3$/m);
  assert.match(offline.stdout, /^ {2}rejected +1$/m);
  assert.doesNotMatch(offline.stdout, /inserted/);
  await assert.rejects(fs.stat(dataDir), { code: 'ENOENT' }, 'no embedded server was started');
  const unreachable = await ingest(undefined, [input, '--dry-run', '--json'], {
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere',
  });
  assert.equal(unreachable.code, 0, unreachable.stderr);
  assert.equal(summaryOf(unreachable).valid, 3);

  // The same command without --dry-run writes what it counted.
  const real = await ingest(db, [input, '--json']);
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual([summaryOf(real).inserted, summaryOf(real).rejected], [3, 1]);
  assert.deepEqual(await counts(db), { snapshots: 3, day_aggs: 0, options: 3, ledger: 1 });
});

test('a batch is cut at 8 MB before it reaches --batch-size rows', async () => {
  const db = await databases.migrated('ingest_flags');
  // Each line about 60 kB (under the 64 KiB line bound): prices written with 14,998 decimals.
  const longPrice = `1.${'0'.repeat(14_998)}`;
  const lines = Array.from({ length: 300 }, (_, i) => barLine(i, longPrice));
  const lineBytes = Buffer.byteLength(lines[0]!);
  assert.ok(lineBytes > 60_000 && lineBytes < 64 * 1024);
  const wide = await dir.write('wide.csv', [CSV_HEADER, ...lines].join('\n') + '\n');
  const perBatch = Math.ceil(DEFAULT_BATCH_LIMITS.maxBytes / lineBytes); // 140 rows of ~60 kB ≈ 8 MB
  assert.ok(perBatch > 100 && perBatch < 300);

  const result = await ingest(db, [wide, '--json', '--batch-size', '1000', '--import-id', 'wide']);
  assert.equal(result.code, 0, result.stderr);
  const summary = summaryOf(result);
  assert.deepEqual([summary.inserted, summary.rejected, summary.batches], [300, 0, Math.ceil(300 / perBatch)]);
  // The ledger holds each batch's record range: cut every perBatch rows.
  const ranges = await query(
    db.url,
    `SELECT first_record, last_record, rows FROM import_batches WHERE import_id = 'wide' ORDER BY first_record`,
  );
  const expected = [];
  for (let first = 1; first <= 300; first += perBatch) {
    const last = Math.min(first + perBatch - 1, 300);
    expected.push({ first_record: first, last_record: last, rows: last - first + 1 });
  }
  assert.deepEqual(ranges, expected);
  const [stored] = await query(db.url, `SELECT count(*)::int AS n, min(length(open::text)) AS digits FROM option_day_aggs`);
  assert.deepEqual(stored, { n: 300, digits: longPrice.length });

  // The same rows with short prices: one batch.
  const narrow = await dir.write(
    'narrow.csv',
    [CSV_HEADER, ...Array.from({ length: 300 }, (_, i) => barLine(i + 1_000))].join('\n') + '\n',
  );
  const small = await ingest(db, [narrow, '--json', '--batch-size', '1000']);
  assert.equal(small.code, 0, small.stderr);
  assert.deepEqual([summaryOf(small).inserted, summaryOf(small).batches], [300, 1]);
});

test('--metrics-file is written when --max-rejects stops the ingest, with the rows read until then', async () => {
  const db = await databases.migrated('ingest_flags');
  const bad = barLine(6).replace(',1.25,1.25,', ',1.25,-1,'); // negative close
  const lines = [1, 2, 3, 4, 5]
    .map((i) => barLine(i))
    .concat(
      bad,
      [7, 8, 9, 10].map((i) => barLine(i)),
    );
  const input = await dir.write('stops.csv', [CSV_HEADER, ...lines].join('\n') + '\n');
  const metricsFile = path.join(dir.path, 'stopped.prom');

  const result = await ingest(db, [input, '--json', '--batch-size', '2', '--max-rejects', '0', '--metrics-file', metricsFile]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /1 rows rejected, more than --max-rejects 0; stopped/);
  const summary = summaryOf(result);
  assert.deepEqual([summary.rowsRead, summary.inserted, summary.rejected], [6, 5, 1]);
  assert.match(summary.stopped, /more than --max-rejects 0/);
  assert.equal((await counts(db)).day_aggs, 5, 'the rows read before the stop are committed, none after it');

  const metrics = samples(await fs.readFile(metricsFile, 'utf8'));
  assert.equal(metrics.get('optdb_rows_read_total'), 6);
  assert.equal(metrics.get('optdb_rows_rejected_total{stage="validation"}'), 1);
  assert.equal(metrics.get('optdb_rows_written_total{outcome="inserted"}'), 5);
  assert.equal(metrics.get('optdb_batch_duration_seconds_count{strategy="copy"}'), 3);
});

test('--metrics-file is written when a write fails for good (a table gone), with the error by SQLSTATE', async () => {
  const db = await databases.migrated('ingest_flags');
  await query(db.url, 'ALTER TABLE option_day_aggs RENAME TO option_day_aggs_moved');
  const input = await dir.write('gone.csv', [CSV_HEADER, barLine(1), barLine(2)].join('\n') + '\n');
  const metricsFile = path.join(dir.path, 'gone.prom');

  const result = await ingest(db, [input, '--metrics-file', metricsFile]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /optdb migrate/);
  const metrics = samples(await fs.readFile(metricsFile, 'utf8'));
  assert.equal(metrics.get('optdb_rows_read_total'), 2);
  assert.equal(metrics.get('optdb_errors_total{code="42P01"}'), 1);
  assert.equal(metrics.get('optdb_rows_written_total{outcome="inserted"}') ?? 0, 0);
  assert.equal((await query(db.url, 'SELECT count(*)::int AS n FROM option_day_aggs_moved'))[0].n, 0);
});

test('an unknown flag is a usage error: exit 2 naming it, nothing read or written', async () => {
  const db = await databases.migrated('ingest_flags');
  const input = await dir.write('typo.csv', [CSV_HEADER, barLine(1)].join('\n') + '\n');
  // A typo of --dry-run: were it ignored, the rows would be written.
  const result = await ingest(db, [input, '--dryrun']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^error: unknown option '--dryrun'/m);
  assert.equal(result.stdout, '');
  assert.deepEqual(await counts(db), NOTHING);
});

test('--rejects or --metrics-file naming an input (or a link to it) is refused before the input is touched', async () => {
  const content = `${CSV_HEADER}\n${barLine(1)}\n`;
  const input = await dir.write('is-input.csv', content);
  const link = path.join(dir.path, 'link-to-input.csv');
  await fs.symlink(input, link);
  for (const args of [
    ['--rejects', input],
    ['--rejects', link],
    ['--metrics-file', input],
    ['--rejects', path.relative(process.cwd(), input)],
  ]) {
    const result = await ingest(undefined, [input, '--dry-run', ...args]);
    assert.equal(result.code, 1, args.join(' '));
    assert.match(result.stderr, /is also an input .*writing it would destroy the input before it is read/, args.join(' '));
    assert.equal(await fs.readFile(input, 'utf8'), content, 'the input is untouched');
  }
});

test('--metrics-file is replaced whole: no temporary file is left beside it', async () => {
  const input = await dir.write('metrics-whole.csv', `${CSV_HEADER}\n${barLine(1)}\n${barLine(2)}\n`);
  const metricsFile = path.join(dir.path, 'whole.prom');
  await fs.writeFile(metricsFile, 'stale\n');
  const result = await ingest(undefined, [input, '--dry-run', '--metrics-file', metricsFile]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(samples(await fs.readFile(metricsFile, 'utf8')).get('optdb_rows_read_total'), 2);
  assert.deepEqual(
    (await fs.readdir(dir.path)).filter((name) => name.startsWith('whole.prom')),
    ['whole.prom'],
  );
});
