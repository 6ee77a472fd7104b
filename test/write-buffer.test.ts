import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { resolveConfig } from '../src/config.js';
import { classifyError } from '../src/db/error-policy.js';
import { formatTicker } from '../src/domain/ticker.js';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { OptdbError } from '../src/errors.js';
import { OptdbMetrics } from '../src/metrics/optdb-metrics.js';
import type { Batch } from '../src/write/batch.js';
import { createStrategy } from '../src/write/create-strategy.js';
import type { WriteEvent } from '../src/write/writer.js';
import type { WriteStrategy } from '../src/write/strategy.js';
import { snapshotWriteBuffer } from '../src/write/snapshot-buffer.js';
import { type ConnectedDatabase, connectMigratedDatabase } from './harness/connected-database.js';

let db: ConnectedDatabase;
let pool: pg.Pool;
let prisma: PrismaClient;
const MINUTE = { capturedAtMicros: undefined, resolutionMicros: 60_000_000n };

before(async () => {
  db = await connectMigratedDatabase('write_buffer');
  ({ pool, prisma } = db);
});
after(() => db.close());

/** A snapshot result as application code holds it after JSON.parse (bigint for the nanoseconds). */
function result(i: number, close = 1.5): Record<string, unknown> {
  const ticker = formatTicker({
    root: 'QQQ',
    expirationDate: '2025-12-19',
    contractType: i % 2 ? 'put' : 'call',
    strikeThousandths: 100_000 + i * 1_000,
  });
  return {
    details: { ticker, contract_type: i % 2 ? 'put' : 'call', shares_per_contract: 100, exercise_style: 'american' },
    day: { close, high: 2, low: 1, open: 1.2, volume: 10 + i },
    last_quote: { bid: 1.4, ask: 1.6, last_updated: 1763654400123456789n },
    underlying_asset: { ticker: 'QQQ', price: 600.12 },
  };
}

/** The copy strategy, counting the batches it is asked to write. */
function counting(strategy: WriteStrategy, delayMs = 0): WriteStrategy & { batches: number; rows: number } {
  const counter = {
    name: strategy.name,
    batches: 0,
    rows: 0,
    async write(batch: Batch) {
      counter.batches++;
      counter.rows += batch.rows.length;
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return strategy.write(batch);
    },
  };
  return counter;
}

test('1,000 concurrent single-row writers become a few batches, every row durable', async () => {
  const strategy = counting(createStrategy('copy', pool, prisma));
  const buffer = snapshotWriteBuffer(strategy, MINUTE, { maxBatchRows: 250 });
  const outcomes = await Promise.all(Array.from({ length: 1_000 }, (_, i) => buffer.write(result(i))));
  assert.ok(outcomes.every((o) => o === 'written'));
  assert.equal(strategy.rows, 1_000);
  assert.ok(strategy.batches <= 8, `${strategy.batches} batches for 1,000 rows`);
  const { rows } = await pool.query(`SELECT count(*)::int AS n, min(quote_at)::text AS q FROM option_snapshots WHERE ticker LIKE 'O:QQQ%'`);
  assert.deepEqual(rows, [{ n: 1_000, q: '2025-11-20 16:00:00.123456+00' }]);
  await buffer.close();
});

test('an invalid row is rejected with its reason; the others are written', async () => {
  const buffer = snapshotWriteBuffer(createStrategy('copy', pool, prisma), MINUTE);
  const bad = { ...result(5_000), details: { ticker: 'O:QQQ251219X00100000' } };
  const settled = await Promise.allSettled([buffer.write(result(5_001)), buffer.write(bad), buffer.write(result(5_002))]);
  assert.deepEqual(
    settled.map((s) => s.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  const error = (settled[1] as PromiseRejectedResult).reason;
  assert.ok(error instanceof OptdbError && error.code === 'ROW_REJECTED');
  assert.match(error.message, /bad contract type "X"/);
  await buffer.close();
});

test('two writes of one key in one batch: the last wins, the first is reported collapsed', async () => {
  const buffer = snapshotWriteBuffer(createStrategy('copy', pool, prisma), MINUTE);
  const outcomes = await Promise.all([buffer.write(result(7_000, 1.1)), buffer.write(result(7_000, 2.2))]);
  assert.deepEqual(outcomes, ['collapsed', 'written']);
  const ticker = (result(7_000).details as { ticker: string }).ticker;
  const { rows } = await pool.query('SELECT day_close::text FROM option_snapshots WHERE ticker = $1', [ticker]);
  assert.deepEqual(rows, [{ day_close: '2.2' }]);
  await buffer.close();
});

test('callers wait when the buffer is full: pending rows never exceed the bound', async () => {
  // 2,000 writes at once against a bound of 50: as each batch finishes, the waiting writes
  // must be let in only as far as it made room. Pending rows are read whenever a batch
  // starts and whenever a write settles, for the whole run.
  const copy = createStrategy('copy', pool, prisma);
  let peak = 0;
  let samples = 0;
  const sample = () => {
    samples++;
    peak = Math.max(peak, buffer.pending);
  };
  const strategy: WriteStrategy = {
    name: copy.name,
    async write(batch: Batch) {
      sample();
      return copy.write(batch);
    },
  };
  const buffer = snapshotWriteBuffer(strategy, MINUTE, { maxBatchRows: 20, maxPendingRows: 50, concurrency: 1 });
  const outcomes = await Promise.all(
    Array.from({ length: 2_000 }, (_, i) =>
      buffer.write(result(10_000 + i)).then((outcome) => {
        sample();
        return outcome;
      }),
    ),
  );
  assert.ok(outcomes.every((o) => o === 'written'));
  assert.ok(samples > 2_000, `pending read ${samples} times`);
  assert.equal(peak, 50, `peak ${peak} pending rows against a bound of 50`);
  assert.equal(buffer.pending, 0);
  const tickers = Array.from({ length: 2_000 }, (_, i) => (result(10_000 + i).details as { ticker: string }).ticker);
  const stored = await pool.query<{ count: number }>('SELECT count(*)::int AS count FROM option_snapshots WHERE ticker = ANY($1)', [
    tickers,
  ]);
  assert.equal(stored.rows[0]!.count, 2_000);
  await buffer.close();
});

test("without a concurrency option, as many batches are written at once as OPTDB_WRITE_CONCURRENCY's default", async () => {
  const copy = createStrategy('copy', pool, prisma);
  let writing = 0;
  let peak = 0;
  const watched: WriteStrategy = {
    name: copy.name,
    async write(batch: Batch) {
      peak = Math.max(peak, ++writing);
      try {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return await copy.write(batch);
      } finally {
        writing--;
      }
    },
  };
  const buffer = snapshotWriteBuffer(watched, MINUTE, { maxBatchRows: 20 });
  const { writeConcurrency } = resolveConfig({}, {});
  assert.equal(buffer.concurrency, writeConcurrency);
  await Promise.all(Array.from({ length: 200 }, (_, i) => buffer.write(result(40_000 + i))));
  assert.equal(peak, writeConcurrency, '10 batches queued at once: the gate runs exactly its limit');
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM option_snapshots WHERE ticker = ANY($1)`, [
    Array.from({ length: 200 }, (_, i) => (result(40_000 + i).details as { ticker: string }).ticker),
  ]);
  assert.deepEqual(rows, [{ n: 200 }]);
  await buffer.close();
});

test('a batch that fails rejects every row in it, with the cause', async () => {
  const failing: WriteStrategy = { name: 'copy', write: async () => Promise.reject(new Error('server went away')) };
  const buffer = snapshotWriteBuffer(failing, MINUTE);
  const settled = await Promise.allSettled([buffer.write(result(20_000)), buffer.write(result(20_001))]);
  assert.ok(settled.every((s) => s.status === 'rejected' && /server went away/.test(String(s.reason))));
  await buffer.close();
  await assert.rejects(buffer.write(result(20_002)), /closed/);
});

test('a row the database refuses rejects only its own write', async () => {
  const refusing = await connectMigratedDatabase('write_buffer_refuse', 2);
  const { pool: refusingPool, prisma: refusingPrisma } = refusing;
  try {
    await refusingPool.query(`
      CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.day_volume = 30013 THEN RAISE EXCEPTION 'volume 30013 is refused' USING ERRCODE = '23514'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse BEFORE INSERT ON option_snapshots FOR EACH ROW EXECUTE FUNCTION refuse();`);
    const buffer = snapshotWriteBuffer(createStrategy('copy', refusingPool, refusingPrisma), MINUTE);
    const settled = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => buffer.write(result(30_000 + i))));
    // result(i) has day.volume 10 + i: the fourth write (volume 30013) is refused.
    assert.deepEqual(
      settled.map((s) => s.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((settled[3] as PromiseRejectedResult).reason), /refused by the database: 23514 volume 30013 is refused/);
    assert.equal(classifyError((settled[3] as PromiseRejectedResult).reason).code, '23514', 'the SQLSTATE is kept as the cause');
    const { rows } = await refusingPool.query('SELECT count(*)::int AS n FROM option_snapshots');
    assert.deepEqual(rows, [{ n: 4 }]);
    await buffer.close();
  } finally {
    await refusing.close();
  }
});

/** Runs `work` while another session holds option_snapshots locked; `release` ends that transaction. */
async function whileTableLocked(work: (release: () => Promise<unknown>) => Promise<void>): Promise<void> {
  const locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE option_snapshots IN ACCESS EXCLUSIVE MODE');
    await work(() => locker.query('ROLLBACK'));
  } finally {
    await locker.end();
  }
}

test("a batch held up by another session's lock is reported as a slow write, again while it waits, then lands", () =>
  whileTableLocked(async (release) => {
    const events: WriteEvent[] = [];
    const buffer = snapshotWriteBuffer(createStrategy('copy', pool, prisma), MINUTE, {
      slowWriteMs: 200,
      onEvent: (event) => events.push(event),
    });
    const written = buffer.write(result(40_000));
    for (let i = 0; i < 100 && events.filter((event) => event.kind === 'slow-write').length < 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const slow = events.filter((event) => event.kind === 'slow-write');
    assert.ok(slow.length >= 2, `slow writes reported: ${JSON.stringify(events)}`);
    assert.deepEqual(
      { ...slow[0], seconds: 0 },
      { kind: 'slow-write', table: 'option_snapshots', batches: 1, rows: 1, seconds: 0, retrying: undefined },
    );
    await release();
    assert.equal(await written, 'written');
    const reported = slow.length;
    await buffer.close();
    assert.equal(events.filter((event) => event.kind === 'slow-write').length, reported, 'reported after the batch was written');
  }));

test('three batches held up by one lock are reported together, with their count', () =>
  whileTableLocked(async (release) => {
    const events: WriteEvent[] = [];
    const buffer = snapshotWriteBuffer(createStrategy('copy', pool, prisma), MINUTE, {
      slowWriteMs: 300,
      maxBatchRows: 1,
      concurrency: 3,
      onEvent: (event) => events.push(event),
    });
    const written = Promise.all([41_000, 41_001, 41_002].map((i) => buffer.write(result(i))));
    const together = () => events.find((event) => event.kind === 'slow-write' && event.batches === 3);
    for (let i = 0; i < 200 && !together(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      { ...together(), seconds: 0 },
      { kind: 'slow-write', table: 'option_snapshots', batches: 3, rows: 3, seconds: 0, retrying: undefined },
      JSON.stringify(events),
    );
    await release();
    assert.deepEqual(await written, ['written', 'written', 'written']);
    await buffer.close();
  }));

test('a requested concurrency change is applied in steps, visible in events and metrics, while writes go on', async () => {
  const metrics = new OptdbMetrics();
  const events: string[] = [];
  const strategy = counting(createStrategy('copy', pool, prisma), 5);
  const buffer = snapshotWriteBuffer(strategy, MINUTE, {
    maxBatchRows: 20,
    concurrency: 10,
    limitSteps: { stepFraction: 0.3, stepIntervalMs: 30 },
    metrics,
    onEvent: (event) => {
      if (event.kind === 'limit') events.push(`${event.from}→${event.to}`);
    },
  });
  buffer.setConcurrency(2);
  assert.equal(buffer.concurrency, 7, 'the first step at once: 10 − 3');
  const writes = Promise.all(Array.from({ length: 400 }, (_, i) => buffer.write(result(2_000 + i))));
  assert.deepEqual(
    (await writes).filter((outcome) => outcome !== 'written'),
    [],
  );
  const limitNow = (): number => buffer.concurrency; // read afresh: the ramp changes it
  while (limitNow() !== 2) await new Promise((resolve) => setTimeout(resolve, 10));
  await buffer.close();
  assert.deepEqual(events, ['10→7', '7→4', '4→2']);
  const exposition = await metrics.exposition();
  assert.match(exposition, /optdb_gate_limit_changes_total\{reason="requested"\} 3/);
  assert.match(exposition, /optdb_gate_limit 2\n/);
  assert.match(exposition, /optdb_gate_limit_target 2\n/);
  assert.match(exposition, /optdb_rows_written_total\{outcome="inserted"\} 400/);
});
