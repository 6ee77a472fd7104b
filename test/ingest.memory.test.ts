/**
 * Memory is bounded by the batches in flight, not by the input: the built CLI ingests
 * inputs far larger than its heap could hold if it kept the rows it has read. The heap
 * cap is small enough that retaining 300,000 rows (or 150,000 chain results) cannot fit,
 * and large enough for the batches in flight and Prisma's client.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { writeSample } from '../src/sample/generate-sample.js';
import { runCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const HEAP_CAP_MB = 100;
const dir = useTempDirectory('optdb-ingest-memory-');
const databases = new TestDatabases();
after(() => databases.dropAll());

async function ingestUnderCap(file: string, label: string): Promise<Record<string, number>> {
  const db = await databases.migrated(label);
  const result = await runCli(
    ['ingest', file, '--json', '--no-progress'],
    { DATABASE_URL: db.url, NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}` },
    300_000,
  );
  assert.equal(result.code, 0, `exit ${result.code} ${result.signal ?? ''}: ${result.stderr.slice(-2_000)}`);
  const summary = JSON.parse(result.stdout) as Record<string, number>;
  const [stored] = await query<{ snapshots: number; bars: number }>(
    db.url,
    'SELECT (SELECT count(*) FROM option_snapshots)::int AS snapshots, (SELECT count(*) FROM option_day_aggs)::int AS bars',
  );
  return { ...summary, stored: stored!.snapshots + stored!.bars };
}

test(`a 300,000-row day_aggs file is ingested whole under a ${HEAP_CAP_MB} MB heap`, async () => {
  const file = path.join(dir.path, 'day-aggs.csv');
  const { rows } = await writeSample({
    out: file,
    format: 'day-aggs-csv',
    underlyings: 200,
    contracts: 2_000_000,
    date: '2025-11-20',
    seed: 3,
  });
  assert.ok(rows >= 300_000, `${rows} rows generated`);
  const summary = await ingestUnderCap(file, 'memory_csv');
  assert.deepEqual([summary.rowsRead, summary.inserted, summary.rejected, summary.stored], [rows, rows, 0, rows]);
});

test(`a 150,000-result chain NDJSON file is ingested whole under a ${HEAP_CAP_MB} MB heap`, async () => {
  const file = path.join(dir.path, 'chain.ndjson');
  const { rows } = await writeSample({
    out: file,
    format: 'chain-ndjson',
    underlyings: 50,
    contracts: 150_000,
    date: '2025-11-20',
    seed: 3,
  });
  assert.equal(rows, 150_000);
  const summary = await ingestUnderCap(file, 'memory_ndjson');
  assert.deepEqual([summary.rowsRead, summary.inserted, summary.rejected, summary.stored], [rows, rows, 0, rows]);
});
