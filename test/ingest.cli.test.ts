import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { collect, runCli, spawnCli } from './harness/cli.js';
import { type TestDatabase, TestDatabases } from './harness/database.js';
import { query } from './harness/sql.js';
import { DOCUMENTED_RESULT as REAL } from './harness/polygon-fixtures.js';

const withTicker = (ticker: string) =>
  REAL.replace('O:SPXW230712C04500000', ticker).replace('"strike_price":4500,', '').replace('"contract_type":"call",', '');

let dir: string;
const databases = new TestDatabases();
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-ingest-'));
});
after(async () => {
  await databases.dropAll();
  await fs.rm(dir, { recursive: true, force: true });
});

async function migratedDatabase(): Promise<TestDatabase> {
  const db = await databases.migrated('ingest_cli');
  return db;
}

async function file(name: string, content: string | Buffer): Promise<string> {
  const target = path.join(dir, name);
  await fs.writeFile(target, content);
  return target;
}

async function ingestJson(db: TestDatabase, args: string[]): Promise<Record<string, number>> {
  const result = await runCli(['ingest', ...args, '--json'], { DATABASE_URL: db.url });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

const CHECKSUM = `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM (
  SELECT ticker, captured_at, day_vwap, quote_at, last_trade_at, delta, underlying_price FROM option_snapshots) t`;

test('snapshot NDJSON, a JSON page, gzip and stdin all land exactly', async () => {
  const db = await migratedDatabase();
  const ndjson = await file('chain.ndjson', `${REAL}\n`);
  const page = await file('page.json', `{"status":"OK","request_id":"abc","results":[${withTicker('O:SPXW230712P04400000')}]}`);
  const gz = await file('chain-gz.ndjson.gz', gzipSync(`${withTicker('O:SPXW230712C04600000')}\n`));
  assert.equal((await ingestJson(db, [ndjson, page, gz])).inserted, 3);

  const child = spawnCli(['ingest', '-', '--json'], { DATABASE_URL: db.url }, 'pipe');
  child.stdin?.end(`${withTicker('O:SPXW230712P04300000')}\n`);
  const piped = await collect(child);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(JSON.parse(piped.stdout).inserted, 1);

  const stored = await query(
    db.url,
    `SELECT captured_at::text, quote_at::text, last_trade_at::text, day_vwap::text, day_volume::text, delta, underlying_price::text
    FROM option_snapshots WHERE ticker = 'O:SPXW230712C04500000'`,
  );
  assert.deepEqual(stored, [
    {
      captured_at: '2023-07-12 15:00:00+00',
      quote_at: '2023-07-12 15:00:23.516476+00',
      last_trade_at: '2023-07-12 15:00:23.261703+00',
      day_vwap: '2.5245',
      day_volume: '41840',
      delta: 0.1747,
      underlying_price: '4483.78',
    },
  ]);
  const contract = await query(
    db.url,
    `SELECT underlying_ticker, root, contract_type::text, expiration_date::text, strike_price::text, shares_per_contract, exercise_style::text FROM options WHERE ticker = 'O:SPXW230712C04500000'`,
  );
  assert.deepEqual(contract, [
    {
      underlying_ticker: 'I:SPX',
      root: 'SPXW',
      contract_type: 'call',
      expiration_date: '2023-07-12',
      strike_price: '4500.000',
      shares_per_contract: 100,
      exercise_style: 'european',
    },
  ]);
});

test('--captured-at is stored as given, to the microsecond; with --resolution it is truncated like a derived time; each reading is its own import', async () => {
  const db = await migratedDatabase();
  const ndjson = await file('captured.ndjson', `${REAL}\n`);
  // The same file read three ways: each reading is an import of its own, none skipped as
  // already committed; a reading repeated is.
  await ingestJson(db, [ndjson, '--captured-at', '2025-11-20T12:34:56.789123Z']);
  await ingestJson(db, [ndjson, '--captured-at', '2025-11-21T12:34:56.789123Z', '--resolution', '1m']);
  await ingestJson(db, [ndjson]);
  await ingestJson(db, [ndjson, '--captured-at', '2025-11-20T12:34:56.789123Z']);
  const [{ imports }] = await query(db.url, 'SELECT count(DISTINCT import_id)::int AS imports FROM import_batches');
  assert.equal(imports, 3);
  const stored = await query(
    db.url,
    `SELECT to_char(captured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at FROM option_snapshots ORDER BY captured_at`,
  );
  assert.deepEqual(
    stored.map((row) => row.at),
    ['2023-07-12T15:00:00.000000', '2025-11-20T12:34:56.789123', '2025-11-21T12:34:00.000000'],
  );
});

test('a FIFO fed twice with different rows: each feed is written (a pipe has no identity to resume under)', async () => {
  const db = await migratedDatabase();
  const fifo = path.join(dir, 'feed.fifo');
  execFileSync('mkfifo', [fifo]);
  const header = 'ticker,volume,open,close,high,low,window_start,transactions';
  for (const [i, strikes] of [
    ['00100000', '00105000'],
    ['00110000', '00115000'],
  ].entries()) {
    const rows = strikes.map((strike) => `O:AAPL251121C${strike},${10 + i},1,1,1,1,1763614800000000000,2`);
    const child = spawnCli(['ingest', fifo, '--json'], { DATABASE_URL: db.url });
    await fs.writeFile(fifo, [header, ...rows].join('\n') + '\n');
    const result = await collect(child);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.deepEqual([summary.inserted, summary.skipped], [2, 0], `feed ${i + 1}`);
  }
  const [{ rows }] = await query(db.url, 'SELECT count(*)::int AS rows FROM option_day_aggs');
  assert.equal(rows, 4);
});

test('day_aggs CSV with BOM, CRLF, shuffled and unknown columns; a snapshot later enriches the contract', async () => {
  const db = await migratedDatabase();
  const csv = await file(
    'day.csv',
    '\uFEFFwindow_start,ticker,extra,close,open,high,low,volume,transactions\r\n' +
      '1689134400000000000,O:SPXW230712C04500000,zz,1.7,3.3,3.5,1.35,41840,812\r\n' +
      '1689134400000000000,O:GME1230721C00012500,zz,0.05,0.05,0.05,0.05,3,1\r\n',
  );
  const summary = await ingestJson(db, [csv]);
  assert.equal(summary.inserted, 2);
  assert.deepEqual(await query(db.url, `SELECT ticker, day::text, close::text, transactions::text FROM option_day_aggs ORDER BY 1`), [
    { ticker: 'O:GME1230721C00012500', day: '2023-07-12', close: '0.05', transactions: '1' },
    { ticker: 'O:SPXW230712C04500000', day: '2023-07-12', close: '1.7', transactions: '812' },
  ]);
  const guessed = await query(
    db.url,
    `SELECT ticker, underlying_ticker, exercise_style::text, shares_per_contract FROM options ORDER BY 1`,
  );
  assert.deepEqual(guessed, [
    { ticker: 'O:GME1230721C00012500', underlying_ticker: 'GME', exercise_style: null, shares_per_contract: null },
    { ticker: 'O:SPXW230712C04500000', underlying_ticker: 'I:SPX', exercise_style: null, shares_per_contract: null },
  ]);

  const enriched = await ingestJson(db, [await file('enrich.ndjson', `${REAL}\n`)]);
  assert.equal(enriched.contractsUpdated, 1);
  // The flat file again (as a new import: the ledger would skip it otherwise): it knows
  // less, and must not erase what the snapshot said.
  const again = await ingestJson(db, [csv, '--import-id', 'day-csv-again']);
  assert.deepEqual([again.unchanged, again.contractsUpdated], [2, 0]);
  assert.deepEqual(
    await query(db.url, `SELECT exercise_style::text, shares_per_contract FROM options WHERE ticker = 'O:SPXW230712C04500000'`),
    [{ exercise_style: 'european', shares_per_contract: 100 }],
  );
});

test('every bad row is rejected with its reason, and writes nothing — not even its contract', async () => {
  const db = await migratedDatabase();
  const bad = [
    withTicker('O:AAPL251321C00150000'), // 2: bad date
    '{"day":{"close":1}}', // 3: no ticker
    REAL.replace('"volume":41840', '"volume":-1').replace('O:SPXW230712C04500000', 'O:NEG230712C04500000'), // 4
    REAL.replace('"high":3.5', '"high":1.0').replace('O:SPXW230712C04500000', 'O:HL230712C04500000'), // 5
    '{"details": {"ticker": "O:TRUNC', // 6: malformed
    REAL.replace('"close":1.7', '"close":"1.7"').replace('O:SPXW230712C04500000', 'O:STR230712C04500000'), // 7
    REAL, // 8: fine
  ];
  const input = await file('bad.ndjson', `${REAL}\n${bad.join('\n')}\n`);
  const rejectsFile = path.join(dir, 'rejects.ndjson');
  const summary = await ingestJson(db, [input, '--rejects', rejectsFile]);
  assert.deepEqual([summary.rowsRead, summary.inserted, summary.collapsed, summary.rejected], [8, 1, 1, 6]);
  const rejects = (await fs.readFile(rejectsFile, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    rejects.map((r) => r.location),
    [2, 3, 4, 5, 6, 7],
  );
  const reasons = rejects.map((r) => r.reason).join('\n');
  for (const expected of [
    /bad date: month 13/,
    /missing required field details\.ticker/,
    /negative day\.volume/,
    /day\.high 1\.0 < day\.low 1\.35/,
    /malformed JSON/,
    /wrong type: day\.close is a string/,
  ]) {
    assert.match(reasons, expected);
  }
  assert.ok(rejects.every((r) => r.source === input && typeof r.raw === 'string' && r.raw.length > 0));
  assert.deepEqual(await query(db.url, 'SELECT ticker FROM options'), [{ ticker: 'O:SPXW230712C04500000' }]);
});

test('re-ingesting identical data changes nothing and says so', async () => {
  const db = await migratedDatabase();
  const lines = ['C04500000', 'P04500000', 'C04550000'].map((tail) => withTicker(`O:SPXW230712${tail}`));
  const input = await file('same.ndjson', `${lines.join('\n')}\n`);
  assert.equal((await ingestJson(db, [input])).inserted, 3);
  const before = (await query(db.url, CHECKSUM))[0]!.sum;
  // A row version's xmin changes whenever the row is rewritten, even with equal values.
  const versions = `SELECT ticker, xmin::text FROM option_snapshots UNION ALL SELECT ticker, xmin::text FROM options ORDER BY 1, 2`;
  const versionsBefore = await query(db.url, versions);
  // The same file is skipped (the ledger knows it); the same data as another import is
  // written again and found unchanged.
  const skipped = await ingestJson(db, [input]);
  assert.deepEqual([skipped.inserted, skipped.unchanged, skipped.skipped], [0, 0, 3]);
  const again = await ingestJson(db, [input, '--import-id', 'same-data-again']);
  assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 3]);
  assert.equal((await query(db.url, CHECKSUM))[0]!.sum, before);
  assert.deepEqual(await query(db.url, versions), versionsBefore);
});

test('clear failures: missing file, unmigrated schema, unreachable server, too many rejects', async () => {
  const db = await migratedDatabase();
  const missing = await runCli(['ingest', path.join(dir, 'nope.ndjson')], { DATABASE_URL: db.url });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^optdb: Cannot read .*nope\.ndjson/);
  assert.doesNotMatch(missing.stderr, /^\s+at /m);
  // The last of several inputs missing: refused before the first is read.
  const first = await file('first.ndjson', `${REAL}\n`);
  const lastMissing = await runCli(['ingest', first, path.join(dir, 'nope.ndjson')], { DATABASE_URL: db.url });
  assert.equal(lastMissing.code, 1);
  assert.match(lastMissing.stderr, /^optdb: Cannot read .*nope\.ndjson: no such file or directory \(ENOENT\)/);
  assert.deepEqual(await query(db.url, 'SELECT count(*)::int AS n FROM option_snapshots'), [{ n: 0 }]);

  const empty = await databases.empty('ingest_unmigrated');
  const input = await file('ok.ndjson', `${REAL}\n`);
  const unmigrated = await runCli(['ingest', input], { DATABASE_URL: empty.url });
  assert.equal(unmigrated.code, 1);
  assert.match(unmigrated.stderr, /not up to date.*\n.*optdb migrate/);

  const down = await runCli(['ingest', input], { DATABASE_URL: 'postgresql://u:sekrit@127.0.0.1:1/x' });
  assert.equal(down.code, 1);
  assert.match(down.stderr, /Cannot connect to the database/);
  assert.ok(!down.stderr.includes('sekrit'));

  const mixed = await file('mixed.ndjson', `${REAL}\nnot json\nnot json either\n${withTicker('O:SPXW230712P04500000')}\n`);
  const limited = await runCli(['ingest', mixed, '--max-rejects', '1'], { DATABASE_URL: db.url });
  assert.equal(limited.code, 1);
  assert.match(limited.stderr, /2 rows rejected, more than --max-rejects 1/);
  assert.deepEqual(
    await query(db.url, 'SELECT ticker FROM option_snapshots'),
    [{ ticker: 'O:SPXW230712C04500000' }],
    'valid rows read before the limit stay written',
  );

  const percent = await runCli(['ingest', mixed, '--max-rejects', '10%'], { DATABASE_URL: db.url });
  assert.equal(percent.code, 1);
  assert.match(percent.stderr, /50\.0% of rows rejected/);

  const badFlag = await runCli(['ingest', input, '--batch-size', '0'], { DATABASE_URL: db.url });
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--batch-size.*expected an integer from 1/);

  const tooConcurrent = await runCli(['ingest', input, '--concurrency', '50'], { DATABASE_URL: db.url });
  assert.equal(tooConcurrent.code, 1);
  assert.match(tooConcurrent.stderr, /write concurrency 50 is more than the pool size 10/);
  const tooConcurrentEnv = await runCli(['ingest', input], { DATABASE_URL: db.url, OPTDB_WRITE_CONCURRENCY: '12' });
  assert.equal(tooConcurrentEnv.code, 1);
  assert.match(tooConcurrentEnv.stderr, /write concurrency 12 is more than the pool size 10.*\n.*OPTDB_WRITE_CONCURRENCY/);
});

test('hostile input: a truncated gzip keeps the rows before the damage; garbage and empty files do not crash', async () => {
  const db = await migratedDatabase();
  const lines = Array.from({ length: 3_000 }, (_, i) => withTicker(`O:SPXW230712C0${String(4_000_000 + i * 1_000).padStart(7, '0')}`));
  const whole = gzipSync(`${lines.join('\n')}\n`);
  const truncated = await file('truncated.ndjson.gz', whole.subarray(0, Math.floor(whole.length * 0.6)));
  const result = await runCli(['ingest', truncated, '--batch-size', '500'], { DATABASE_URL: db.url });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^optdb: .*truncated\.ndjson\.gz: truncated or corrupt gzip data/m);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
  const [{ n }] = await query(db.url, 'SELECT count(*)::int AS n FROM option_snapshots');
  assert.ok(n > 0 && n < 3_000, `${n} rows kept from the readable part`);

  const garbage = await file('garbage.bin', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
  const noise = await runCli(['ingest', garbage], { DATABASE_URL: db.url });
  assert.ok(noise.code === 1 || noise.code === 0, noise.stderr);
  assert.doesNotMatch(noise.stderr, /^\s+at /m);
  if (noise.code === 1) assert.match(noise.stderr, /^optdb: /);

  const empty = await runCli(['ingest', await file('empty.ndjson', ''), '--json'], { DATABASE_URL: db.url });
  assert.equal(empty.code, 0, empty.stderr);
  assert.equal(JSON.parse(empty.stdout).rowsRead, 0);
  const headerOnly = await runCli(
    ['ingest', await file('header.csv', 'ticker,volume,open,close,high,low,window_start,transactions\n'), '--json'],
    { DATABASE_URL: db.url },
  );
  assert.equal(headerOnly.code, 0, headerOnly.stderr);
  assert.equal(JSON.parse(headerOnly.stdout).rowsRead, 0);
});
