/**
 * `optdb demo` — what `npm start` runs — as a user runs it, against a fresh database
 * (DATABASE_URL): it migrates, generates 100k contracts, ingests them and prints the
 * summary and two tables; the database must hold exactly what it says.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { readMigrationFiles } from '../src/db/migration-files.js';
import { runCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';
import { dayPartitionName } from '../src/db/day-partitions.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-demo-');
after(() => databases.dropAll());

const DATE = '2025-11-20';
const CONTRACTS = 100_000;

/** The rows of the aligned table printed after `heading`, keyed by its header. */
function tableAfter(stdout: string, heading: string): Record<string, string>[] {
  const lines = stdout.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `no "${heading}" in:\n${stdout}`);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    body.push(line);
  }
  const [header, ...rows] = body.map((line) => line.trim().split(/\s+/));
  assert.ok(header && rows.length > 0, `an empty table after "${heading}"`);
  return rows.map((cells) => {
    assert.equal(cells.length, header.length, `a row with a blank cell: ${cells.join(' ')}`);
    return Object.fromEntries(header.map((name, i) => [name, cells[i]!]));
  });
}

test(
  'optdb demo on a fresh database: migrates, loads 100k contracts, and its summary and tables match the database',
  { timeout: 280_000 },
  async () => {
    const db = await databases.empty('demo_cli');
    const dataDir = path.join(dir.path, 'data');
    const result = await runCli(
      ['--data-dir', dataDir, 'demo'],
      { DATABASE_URL: db.url, DIRECT_URL: undefined, OPTDB_DATA_DIR: undefined },
      270_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;

    const migrations = await readMigrationFiles();
    // The URL as given, its password (the embedded test server has one) redacted.
    assert.match(out, new RegExp(`^database: postgresql://postgres(:\\*{4})?@127\\.0\\.0\\.1:\\d+/${db.name}$`, 'm'));
    const password = new URL(db.url).password;
    if (password) assert.ok(!out.includes(password) && !result.stderr.includes(password), 'the password was printed');
    assert.match(out, new RegExp(`^schema: ${migrations.length} migration\\(s\\) applied, 0 already in place$`, 'm'));
    const sample = /^sample: (\d+) option-chain snapshots and (\d+) daily bars for (\S+) in (.+)$/m.exec(out);
    assert.ok(sample, out);
    const [snapshots, bars] = [Number(sample[1]), Number(sample[2])];
    assert.deepEqual([snapshots, sample[3], sample[4]], [CONTRACTS, DATE, path.join(dataDir, 'demo')]);
    assert.ok(bars > 0 && bars < CONTRACTS, `${bars} daily bars`);
    for (const file of [`chain-${DATE}.ndjson.gz`, `day-aggs-${DATE}.csv.gz`])
      assert.ok((await fs.stat(path.join(dataDir, 'demo', file))).size > 0, file);

    // The summary, and the tables hold exactly its rows.
    const total = snapshots + bars;
    assert.match(out, new RegExp(`^ingested ${total} rows in `, 'm'));
    for (const [label, value] of [
      ['inserted', total],
      ['updated', 0],
      ['unchanged', 0],
      ['collapsed', 0],
      ['rejected', 0],
    ] as const) {
      assert.match(out, new RegExp(`^ {2}${label} +${value}$`, 'm'), label);
    }
    assert.match(out, new RegExp(`^ {2}contracts +${CONTRACTS} created, 0 updated$`, 'm'));
    assert.match(out, /^ {2}statistics +analyzed options, option_snapshots, option_day_aggs \(changed by this ingest\)$/m);
    const [stored] = await query(
      db.url,
      `SELECT (SELECT count(*)::int FROM option_snapshots) AS snapshots, (SELECT count(*)::int FROM option_day_aggs) AS bars,
    (SELECT count(*)::int FROM options) AS contracts, (SELECT sum(rows)::int FROM import_batches) AS ledger_rows,
    (SELECT count(*)::int FROM option_snapshots WHERE captured_at::date <> $1::date) AS other_days`,
      [DATE],
    );
    assert.deepEqual(stored, { snapshots, bars, contracts: CONTRACTS, ledger_rows: total, other_days: 0 });
    const analyzed = await query(
      db.url,
      `SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL
         AND relname IN ('options', 'option_snapshots', $1) ORDER BY relname`,
      [dayPartitionName(DATE)],
    );
    assert.deepEqual(
      analyzed.map((row) => row.relname),
      [dayPartitionName(DATE), 'option_snapshots', 'options'],
    );

    // The nearest AAPL expiration, strikes within 3 % of spot: each cell is what the database holds.
    const chain = tableAfter(out, 'nearest expiration of AAPL, strikes within 3% of spot:');
    const [{ expiration, spot }] = await query(
      db.url,
      `SELECT min(o.expiration_date)::text AS expiration,
      round(avg(s.underlying_price), 2)::text AS spot
    FROM option_snapshots s JOIN options o USING (ticker) WHERE o.underlying_ticker = 'AAPL' AND o.expiration_date >= $1::date`,
      [DATE],
    );
    assert.ok(
      chain.every((row) => row.expiration === expiration && row.spot === spot),
      `expiration ${expiration}, spot ${spot}`,
    );
    const strikes = await query(
      db.url,
      `SELECT DISTINCT strike_price::float8 AS strike FROM options
    WHERE underlying_ticker = 'AAPL' AND expiration_date = $1::date AND strike_price BETWEEN $2::numeric * 0.97 AND $2::numeric * 1.03 ORDER BY 1`,
      [expiration, spot],
    );
    assert.deepEqual(
      chain.map((row) => Number(row.strike)),
      strikes.map((row) => row.strike),
    );
    for (const row of chain) {
      const quotes = await query(
        db.url,
        `SELECT o.contract_type::text AS type, s.bid::text, s.ask::text FROM option_snapshots s JOIN options o USING (ticker)
      WHERE o.underlying_ticker = 'AAPL' AND o.expiration_date = $1::date AND o.strike_price = $2::numeric`,
        [expiration, row.strike],
      );
      const by = Object.fromEntries(quotes.map((quote) => [quote.type, quote]));
      assert.deepEqual(
        [row.call_bid, row.call_ask, row.put_bid, row.put_ask],
        [by.call?.bid, by.call?.ask, by.put?.bid, by.put?.ask],
        `strike ${row.strike}`,
      );
    }

    // The day's ten most traded contracts.
    const top = tableAfter(out, `the 10 contracts with the highest volume on ${DATE}:`);
    const expected = await query(
      db.url,
      `SELECT s.ticker, o.underlying_ticker AS underlying, s.day_volume::text AS volume, s.day_close::text AS close
    FROM option_snapshots s JOIN options o USING (ticker) WHERE s.day_volume IS NOT NULL ORDER BY s.day_volume DESC, s.ticker LIMIT 10`,
    );
    assert.deepEqual(
      top.map(({ ticker, underlying, volume, close }) => ({ ticker, underlying, volume, close })),
      expected,
    );

    assert.match(out, /^demo finished in \d+\.\d s$/m);
  },
);
