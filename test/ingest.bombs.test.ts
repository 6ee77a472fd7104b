/**
 * No input can grow memory without bound: gzip bombs — a few hundred KB that decompress to
 * 200 MB with no line break, or into one endless JSON string — ingested by the built CLI
 * under a heap far smaller than what they decompress to. Each ends as one reject with its
 * reason (the run goes on to the end of the input), never as an out-of-memory abort. A
 * bomb that would inflate to far more than any data file is refused whole, early.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { DOCUMENTED_RESULT } from './harness/polygon-fixtures.js';
import { query } from './harness/sql.js';
import { runCli } from './harness/cli.js';
import { ingestWithRejects } from './harness/rejects.js';
import { TestDatabases } from './harness/database.js';
import { useTempDirectory } from './harness/temp-dir.js';

const HEAP_CAP_MB = 100;
const BOMB_BYTES = 200 * 1024 * 1024;
const databases = new TestDatabases();
const dir = useTempDirectory('optdb-bombs-');
after(() => databases.dropAll());

async function bomb(name: string, head: string, tail = ''): Promise<string> {
  const body = Buffer.alloc(BOMB_BYTES, 'a');
  const file = path.join(dir.path, name);
  await fs.writeFile(file, gzipSync(Buffer.concat([Buffer.from(head), body, Buffer.from(tail)]), { level: 9 }));
  return file;
}

async function ingestUnderCap(file: string, format: string): ReturnType<typeof ingestWithRejects> {
  const db = await databases.migrated(`bomb_${format.replace(/-/g, '_')}`);
  return ingestWithRejects(file, { DATABASE_URL: db.url, NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}` }, ['--format', format]);
}

test('NDJSON: 200 MB without a newline is one reject; the line after it is read', async () => {
  const file = await bomb('line.ndjson.gz', '', '\n{"details":{"ticker":"not-a-ticker"}}\n');
  const { summary, rejects } = await ingestUnderCap(file, 'chain-ndjson');
  assert.deepEqual([summary.rowsRead, summary.rejected], [2, 2]);
  assert.equal(rejects[0]!.location, 1);
  assert.match(rejects[0]!.reason, /^a line of \d+ characters, longer than \d+$/);
  assert.equal(rejects[1]!.location, 2);
});

test('day_aggs CSV: a 200 MB line is one reject', async () => {
  const file = await bomb('line.csv.gz', 'ticker,volume,open,close,high,low,window_start,transactions\n');
  const { summary, rejects } = await ingestUnderCap(file, 'day-aggs-csv');
  assert.deepEqual([summary.rowsRead, summary.rejected], [1, 1]);
  assert.match(rejects[0]!.reason, /^malformed CSV: a line of \d+ characters, longer than 65536$/);
});

test('chain JSON: one endless string in a result ends the document with one reject', async () => {
  const file = await bomb('string.json.gz', '{"status":"OK","results":[{"details":{"ticker":"', '"}}]}');
  const { summary, rejects } = await ingestUnderCap(file, 'chain-json');
  assert.deepEqual([summary.rowsRead, summary.rejected], [1, 1]);
  assert.match(rejects[0]!.reason, /^malformed JSON: a value longer than \d+ characters: not a snapshot page$/);
});

test('a gzip bomb that inflates a thousandfold past the first GiB is refused whole, with what was read kept', async () => {
  // 1.1 GiB of NDJSON lines after one good result: about 1 MiB stored.
  const file = path.join(dir.path, 'inflating.ndjson.gz');
  const good = `${DOCUMENTED_RESULT}\n`;
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  chunk[chunk.length - 1] = 0x0a;
  async function* body(): AsyncGenerator<Buffer> {
    yield Buffer.from(good);
    for (let i = 0; i < 1100; i++) yield chunk;
  }
  await pipeline(Readable.from(body()), createGzip({ level: 9 }), (await fs.open(file, 'w')).createWriteStream());
  const db = await databases.migrated('bomb_inflation');
  const result = await runCli(
    ['ingest', file, '--no-progress'],
    { DATABASE_URL: db.url, NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}` },
    240_000,
  );
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /^optdb: .*inflating\.ndjson\.gz: gzip data that inflates more than 200 times \(\d+\.\d MiB read became 10\d\d\.\d MiB\): refused as a decompression bomb/m,
  );
  assert.doesNotMatch(result.stderr, /^\s+at /m);
  const [{ n }] = await query(db.url, 'SELECT count(*)::int AS n FROM option_snapshots');
  assert.equal(n, 1, 'the result before the bomb is stored');
});
