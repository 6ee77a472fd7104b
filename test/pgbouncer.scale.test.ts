/**
 * At scale through a real PgBouncer in transaction mode: a 1M-row ingest, and the write
 * buffer driven by 1,000 concurrent tasks — the shape of code that fails under load. Rows expected = rows in
 * the database: none lost, none doubled.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, test } from 'node:test';
import { resolveConfig } from '../src/config.js';
import { createPool, createPrismaClient } from '../src/db/pool.js';
import { formatTicker } from '../src/domain/ticker.js';
import { writeSample } from '../src/sample/generate-sample.js';
import { createStrategy } from '../src/write/create-strategy.js';
import { snapshotWriteBuffer } from '../src/write/snapshot-buffer.js';
import { runCli } from './harness/cli.js';
import { adminUrl, type TestDatabase, TestDatabases } from './harness/database.js';
import { type PgBouncer, startPgBouncer } from './harness/pgbouncer.js';
import { queryOne } from './harness/sql.js';

const DAYS = 5;
let dir: string;
let bouncer: PgBouncer;
const databases = new TestDatabases();

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optdb-pgbouncer-scale-'));
  bouncer = await startPgBouncer(adminUrl(), { poolMode: 'transaction', defaultPoolSize: 4 });
});
after(async () => {
  await bouncer?.stop();
  await databases.dropAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

const database = (label: string): Promise<TestDatabase> => databases.migrated(label);

/** One generated trading day repeated over consecutive days: 1M rows without generating 1M contracts. */
async function millionRowFile(): Promise<{ file: string; rows: number }> {
  const day = path.join(dir, 'day.csv');
  await writeSample({ out: day, format: 'day-aggs-csv', underlyings: 200, contracts: 1_540_000, date: '2025-11-20', seed: 31 });
  const file = path.join(dir, 'days.csv');
  const out = fs.createWriteStream(file);
  let rows = 0;
  for (let d = 0; d < DAYS; d++) {
    let header: string[] | undefined;
    for await (const line of readline.createInterface({ input: fs.createReadStream(day) })) {
      if (!header) {
        header = line.split(',');
        if (d === 0) out.write(`${line}\n`);
        continue;
      }
      const fields = line.split(',');
      const at = header.indexOf('window_start');
      fields[at] = String(BigInt(fields[at]!) + BigInt(d) * 86_400_000_000_000n);
      rows++;
      if (!out.write(`${fields.join(',')}\n`)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  return { file, rows };
}

test('a 1M-row ingest through PgBouncer (transaction mode): every row exactly once', { timeout: 600_000 }, async () => {
  const { file, rows } = await millionRowFile();
  assert.ok(rows >= 1_000_000, `only ${rows} rows`);
  const db = await database('pgbouncer_million');
  const result = await runCli(
    ['ingest', file, '--json', '--no-progress', '--concurrency', '6'],
    { DATABASE_URL: bouncer.url(db.name), DIRECT_URL: db.url },
    600_000,
  );
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.inserted, rows);
  const stored = await queryOne(
    db.url,
    `SELECT count(*)::int AS rows, count(DISTINCT (ticker, day))::int AS keys, count(DISTINCT day)::int AS days FROM option_day_aggs`,
  );
  assert.deepEqual(stored, { rows, keys: rows, days: DAYS });
  const ledger = await queryOne(db.url, 'SELECT sum(rows)::int AS rows FROM import_batches');
  assert.equal(ledger.rows, rows);
});

test('the write buffer driven by 1,000 concurrent tasks through PgBouncer', { timeout: 300_000 }, async () => {
  const db = await database('pgbouncer_buffer');
  const pool = createPool(bouncer.url(db.name), resolveConfig({}, { OPTDB_POOL_SIZE: '10' }));
  const prisma = createPrismaClient(pool);
  try {
    const buffer = snapshotWriteBuffer(
      createStrategy('copy', pool, prisma),
      { capturedAtMicros: undefined, resolutionMicros: 60_000_000n },
      { concurrency: 6 },
    );
    const tasks = Array.from({ length: 1_000 }, async (_, i) => {
      // Each task does a little "work" first, like a poller handling its own response.
      await new Promise((resolve) => setTimeout(resolve, i % 50));
      const ticker = formatTicker({
        root: 'IWM',
        expirationDate: '2025-12-19',
        contractType: i % 2 ? 'put' : 'call',
        strikeThousandths: 150_000 + i * 500,
      });
      return buffer.write({
        details: { ticker },
        day: { close: 1 + i / 1000, high: 3, low: 0.5, volume: i },
        last_quote: { bid: 1, ask: 1.1, last_updated: 1763654400000000000n + BigInt(i) * 1_000n },
      });
    });
    const outcomes = await Promise.all(tasks);
    await buffer.close();
    assert.equal(outcomes.filter((o) => o === 'written').length, 1_000);
    const stored = await queryOne(db.url, `SELECT count(*)::int AS rows, count(DISTINCT ticker)::int AS tickers FROM option_snapshots`);
    assert.deepEqual(stored, { rows: 1_000, tickers: 1_000 });
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
});
