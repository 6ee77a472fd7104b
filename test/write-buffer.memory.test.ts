/**
 * The write buffer fed the way code that fails under load feeds its database: many
 * writers, each writing row after row, for hundreds of batches. What it holds is bounded by its
 * pending rows and the batches in flight: the heap after a full collection, read as the
 * run goes on, stays within a fixed bound of where it started, and every row is durable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTicker } from '../src/domain/ticker.js';
import type { Batch } from '../src/write/batch.js';
import { createStrategy } from '../src/write/create-strategy.js';
import type { WriteStrategy } from '../src/write/strategy.js';
import { snapshotWriteBuffer } from '../src/write/snapshot-buffer.js';
import { connectMigratedDatabase } from './harness/connected-database.js';
import { heapAfterGcMb } from './harness/heap.js';

const WRITERS = 500;
const ROWS_PER_WRITER = 400; // 200,000 rows
const MAX_PENDING_ROWS = 2_000;
const MAX_BATCH_ROWS = 500; // 400 batches
const SAMPLE_EVERY_BATCHES = 40;
// 2,000 pending rows and a few batches in flight are a few MB; 200,000 rows retained are
// well over 100 MB.
const GROWTH_BOUND_MB = 25;

function result(writer: number, row: number): Record<string, unknown> {
  const i = writer * ROWS_PER_WRITER + row;
  const ticker = formatTicker({
    root: 'IWM',
    expirationDate: '2026-01-16',
    contractType: i % 2 ? 'put' : 'call',
    strikeThousandths: 1_000 + i * 10,
  });
  return {
    details: { ticker, contract_type: i % 2 ? 'put' : 'call', shares_per_contract: 100, exercise_style: 'american' },
    day: { close: 1.5, high: 2, low: 1, open: 1.2, volume: 10 + row },
    last_quote: { bid: 1.4, ask: 1.6, last_updated: 1763654400123456789n },
    underlying_asset: { ticker: 'IWM', price: 240.5 },
  };
}

test(`${WRITERS} writers × ${ROWS_PER_WRITER} rows through the write buffer: heap after GC stays bounded`, async (t) => {
  const db = await connectMigratedDatabase('write_buffer_memory');
  t.after(() => db.close());
  const copy = createStrategy('copy', db.pool, db.prisma);
  const heap: number[] = [];
  let batches = 0;
  let peakPending = 0;
  const strategy: WriteStrategy = {
    name: copy.name,
    async write(batch: Batch) {
      peakPending = Math.max(peakPending, buffer.pending);
      if (batches++ % SAMPLE_EVERY_BATCHES === 0) heap.push(await heapAfterGcMb());
      return copy.write(batch);
    },
  };
  const buffer = snapshotWriteBuffer(
    strategy,
    { capturedAtMicros: undefined, resolutionMicros: 60_000_000n },
    {
      maxBatchRows: MAX_BATCH_ROWS,
      maxPendingRows: MAX_PENDING_ROWS,
      concurrency: 2,
    },
  );
  const base = await heapAfterGcMb();
  let written = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      for (let row = 0; row < ROWS_PER_WRITER; row++) if ((await buffer.write(result(writer, row))) === 'written') written++;
    }),
  );
  await buffer.close();

  assert.equal(written, WRITERS * ROWS_PER_WRITER);
  assert.ok(peakPending <= MAX_PENDING_ROWS, `peak ${peakPending} pending rows`);
  assert.ok(heap.length >= 8, `${heap.length} heap samples`);
  const growth = Math.max(...heap) - base;
  assert.ok(
    growth < GROWTH_BOUND_MB,
    `heap after GC grew ${growth.toFixed(1)} MB (from ${base.toFixed(1)}: ${heap.map((mb) => mb.toFixed(1)).join(', ')})`,
  );
  const [{ count }] = (await db.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM option_snapshots')).rows as [
    { count: number },
  ];
  assert.equal(count, WRITERS * ROWS_PER_WRITER);
});
