/**
 * `optdb poll` runs for weeks: its memory must be flat. The poll loop itself — schedule,
 * cycles, the client's requests and the one write buffer — runs 500 cycles back to back
 * in this process against the test Polygon server and a real database, under one
 * run-long signal, as the CLI runs it. The heap after a full collection may not grow
 * from the warmed-up cycle to the last.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PolygonClient } from '../src/api/polygon-client.js';
import { pollWriteBuffer } from '../src/write/snapshot-buffer.js';
import { poll } from '../src/poll/poller.js';
import { createStrategy } from '../src/write/create-strategy.js';
import { connectMigratedDatabase } from './harness/connected-database.js';
import { heapAfterGcMb } from './harness/heap.js';
import { sampleChain } from './harness/polygon-fixtures.js';
import { PolygonServer } from './harness/polygon-server.js';

const KEY = 'soak-key-41c9';
const CYCLES = 500;
const WARM_CYCLES = 100;
const SAMPLE_EVERY = 50;
// A cycle's garbage is a few hundred results; what a leak of one object per request or per
// row would leave after 400 cycles (1,200 requests, 160,000 rows) is well above this.
const GROWTH_BOUND_MB = 3;
const DAY_MICROS = 86_400_000_000n;

test(`${CYCLES} poll cycles in one process: the heap after GC stays flat`, async (t) => {
  const server = await PolygonServer.start({ apiKey: KEY, chains: { AAPL: sampleChain('AAPL', 300), SPY: sampleChain('SPY', 100) } });
  const db = await connectMigratedDatabase('poll_memory');
  const client = new PolygonClient({ apiKey: KEY, baseUrl: server.baseUrl, requestsPerSecond: 1000 });
  // One capture per day: every cycle after the first rewrites the same rows, so the table stays small.
  const buffer = pollWriteBuffer(createStrategy('copy', db.pool, db.prisma), DAY_MICROS, { maxDelayMs: 5 });
  t.after(async () => {
    await buffer.close();
    client.close();
    await server.close();
    await db.close();
  });

  const interrupt = new AbortController();
  const heap: { cycle: number; mb: number }[] = [];
  let rows = 0;
  const summary = await poll({
    client,
    buffer,
    underlyings: ['AAPL', 'SPY'],
    once: false,
    everyMs: 1, // back to back
    marketHours: false,
    resolutionMicros: DAY_MICROS,
    underlyingConcurrency: 2,
    signal: interrupt.signal,
    onCycle: async (result) => {
      assert.deepEqual([result.failed.length, result.rejected, result.interrupted], [0, 0, false]);
      rows += result.rowsWritten;
      server.requests.length = 0; // the test server's own record, not the poller's memory
      const cycle = heap.length === 0 ? 1 : heap.at(-1)!.cycle + 1;
      heap.push({ cycle, mb: cycle >= WARM_CYCLES && cycle % SAMPLE_EVERY === 0 ? await heapAfterGcMb() : Number.NaN });
      if (cycle === CYCLES) interrupt.abort(new Error('soak done'));
    },
  });

  assert.equal(summary.cycles, CYCLES);
  assert.equal(rows, CYCLES * 400);
  const sampled = heap.filter((h) => !Number.isNaN(h.mb));
  const base = sampled[0]!.mb;
  const growth = Math.max(...sampled.map((h) => h.mb)) - base;
  const trace = sampled.map((h) => `${h.cycle}: ${h.mb.toFixed(1)} MB`).join(', ');
  assert.ok(growth < GROWTH_BOUND_MB, `heap after GC grew ${growth.toFixed(2)} MB from cycle ${WARM_CYCLES} (${trace})`);
});
