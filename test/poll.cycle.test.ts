/**
 * One poll cycle on real components: the REST client against the test Polygon server,
 * the poll's write buffer with the copy strategy on a real PostgreSQL database. Asserts
 * what ends up in option_snapshots, how many batches the database was sent, and that
 * fetchers wait for the writers (the write buffer's bound).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { isLosslessNumber, parse } from 'lossless-json';
import type { ApiEvent } from '../src/api/api-events.js';
import { PolygonApiError, PolygonClient } from '../src/api/polygon-client.js';
import { type BufferSettings, pollWriteBuffer, type PollBuffer } from '../src/write/snapshot-buffer.js';
import { type CycleOptions, type CycleReject, runCycle } from '../src/poll/poll-cycle.js';
import type { Batch } from '../src/write/batch.js';
import { createStrategy } from '../src/write/create-strategy.js';
import type { WriteCounts, WriteStrategy } from '../src/write/strategy.js';
import { type ConnectedDatabase, connectMigratedDatabase } from './harness/connected-database.js';
import { DOCUMENTED_RESULT, sampleChain } from './harness/polygon-fixtures.js';
import { PolygonServer, type PolygonServerOptions } from './harness/polygon-server.js';

const KEY = 'cycle-key-7e1f20';
const MINUTE = 60_000_000n;
const AT = new Date('2026-11-27T15:05:00Z');
const CHAINS = {
  AAPL: sampleChain('AAPL', 600),
  SPY: sampleChain('SPY', 120),
  'I:SPX': [DOCUMENTED_RESULT, ...sampleChain('I:SPX', 40)],
};
const ALL = Object.values(CHAINS).flat();

interface Setup {
  server: PolygonServer;
  db: ConnectedDatabase;
  client: PolygonClient;
  buffer: PollBuffer;
  strategy: Counting;
  events: ApiEvent[];
  cycle(at?: Date, underlyings?: readonly string[], options?: Partial<CycleOptions>): ReturnType<typeof runCycle>;
}

type Counting = WriteStrategy & { batches: number; rows: number; hold?: Promise<void> };

/** The copy strategy, counting the batches it is sent; `hold` keeps every batch waiting until it resolves. */
function counting(strategy: WriteStrategy): Counting {
  const counter: Counting = {
    name: strategy.name,
    batches: 0,
    rows: 0,
    async write(batch: Batch): Promise<WriteCounts> {
      counter.batches++;
      counter.rows += batch.rows.length;
      await counter.hold;
      return strategy.write(batch);
    },
  };
  return counter;
}

async function setup(
  t: TestContext,
  fixtures: Partial<PolygonServerOptions> = {},
  apiKey = KEY,
  settings: BufferSettings = {},
): Promise<Setup> {
  const server = await PolygonServer.start({ apiKey: KEY, chains: CHAINS, ...fixtures });
  const db = await connectMigratedDatabase('poll_cycle');
  const events: ApiEvent[] = [];
  const client = new PolygonClient({
    apiKey,
    baseUrl: server.baseUrl,
    requestsPerSecond: 1000,
    retry: { retries: 2, minDelayMs: 10, maxDelayMs: 50 },
    onEvent: (event) => events.push(event),
  });
  const strategy = counting(createStrategy('copy', db.pool, db.prisma));
  const buffer = pollWriteBuffer(strategy, MINUTE, { concurrency: 2, maxDelayMs: 50, ...settings });
  t.after(async () => {
    await buffer.close();
    client.close();
    await server.close();
    await db.close();
  });
  const cycle: Setup['cycle'] = (at = AT, underlyings = Object.keys(CHAINS), options = {}) =>
    runCycle(at, underlyings, { client, buffer, resolutionMicros: MINUTE, underlyingConcurrency: 16, ...options });
  return { server, db, client, buffer, strategy, events, cycle };
}

/** The buffer as a cycle uses it, telling the test when rows are handed over and when a fetcher asks for room and gets it. */
function watched(buffer: PollBuffer, on: { write?: () => void; room?: () => void; roomGiven?: () => void }): PollBuffer {
  return {
    write: (input: Parameters<PollBuffer['write']>[0]) => {
      on.write?.();
      return buffer.write(input);
    },
    room: async () => {
      on.room?.();
      await buffer.room();
      on.roomGiven?.();
    },
    flush: () => buffer.flush(),
  } as unknown as PollBuffer;
}

/** Waits until `condition` holds; the bound only ends a broken test. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), 'the condition never held');
}

const tickerOf = (text: string): string => (JSON.parse(text) as { details: { ticker: string } }).details.ticker;

/** What each served result says, read losslessly and independently of optdb's validation. */
function served(texts: readonly string[]): Map<string, Record<string, string | null>> {
  const text = (value: unknown): string | null => (isLosslessNumber(value) ? value.value : null);
  const micros = (value: unknown): string | null => (isLosslessNumber(value) ? (BigInt(value.value) / 1000n).toString() : null);
  return new Map(
    texts.map((json) => {
      const r = parse(json) as any;
      return [
        r.details.ticker,
        {
          day_vwap: text(r.day?.vwap),
          day_volume: text(r.day?.volume),
          bid: text(r.last_quote?.bid),
          quote_us: micros(r.last_quote?.last_updated),
          trade_us: micros(r.last_trade?.sip_timestamp),
          underlying_price: text(r.underlying_asset?.price ?? r.underlying_asset?.value),
          open_interest: text(r.open_interest),
        },
      ];
    }),
  );
}

/** The stored rows of one capture time, in the same shape. */
async function stored(db: ConnectedDatabase, capturedAt: string): Promise<Map<string, Record<string, string | null>>> {
  const { rows } = await db.pool.query(
    `SELECT ticker, day_vwap::text, day_volume::text, bid::text,
            (extract(epoch FROM quote_at) * 1000000)::bigint::text AS quote_us,
            (extract(epoch FROM last_trade_at) * 1000000)::bigint::text AS trade_us,
            underlying_price::text, open_interest::text
       FROM option_snapshots WHERE captured_at = $1 ORDER BY ticker`,
    [capturedAt],
  );
  return new Map(rows.map(({ ticker, ...values }) => [ticker, values]));
}

async function rowCount(db: ConnectedDatabase): Promise<number> {
  return (await db.pool.query('SELECT count(*)::int AS n FROM option_snapshots')).rows[0].n;
}

test(
  'every served result is stored with its exact values, across pages and underlyings, in a few batches',
  { timeout: 30_000 },
  async (t) => {
    const { server, db, strategy, cycle } = await setup(t);
    const result = await cycle(new Date('2026-11-27T15:05:42.517Z'));

    assert.equal(server.requestsTo('/v3/snapshot/options/AAPL').length, 3, 'AAPL came in 3 pages');
    assert.deepEqual(
      await stored(db, '2026-11-27T15:05:00Z'),
      served(ALL),
      'every result, every digit, captured at the cycle time truncated to the minute',
    );
    assert.equal(await rowCount(db), ALL.length);
    assert.deepEqual(
      { ...result, durationMs: 0 },
      {
        at: '2026-11-27T15:05:42.517Z',
        capturedAt: '2026-11-27T15:05:00.000000Z',
        underlyings: 3,
        failed: [],
        contracts: ALL.length,
        rowsWritten: ALL.length,
        rejected: 0,
        requests: 5,
        throttled: 0,
        retries: 0,
        durationMs: 0,
        interrupted: false,
      },
    );
    // The database saw batch statements only: every row went through the buffer, in few batches.
    assert.equal(strategy.rows, ALL.length);
    assert.ok(strategy.batches <= 8, `${strategy.batches} batches for ${ALL.length} rows`);

    const facts = await db.pool.query(
      `SELECT s.quote_at::text, s.last_trade_at::text, s.day_vwap::text, s.underlying_price::text, s.delta, o.underlying_ticker, o.strike_price::text, o.exercise_style::text
       FROM option_snapshots s JOIN options o USING (ticker) WHERE ticker = 'O:SPXW230712C04500000'`,
    );
    assert.deepEqual(facts.rows, [
      {
        quote_at: '2023-07-12 15:00:23.516476+00',
        last_trade_at: '2023-07-12 15:00:23.261703+00',
        day_vwap: '2.5245',
        underlying_price: '4483.78',
        delta: 0.1747,
        underlying_ticker: 'I:SPX',
        strike_price: '4500.000',
        exercise_style: 'european',
      },
    ]);
  },
);

test('a rerun of the same cycle changes nothing: same rows, no new row versions', { timeout: 30_000 }, async (t) => {
  const { db, cycle } = await setup(t);
  await cycle(AT);
  const versions = `SELECT md5(string_agg(ticker || ':' || xmin::text, ',' ORDER BY ticker)) AS v, count(*)::int AS n FROM option_snapshots`;
  const before = (await db.pool.query(versions)).rows[0];
  const again = await cycle(new Date(AT.getTime() + 30_000)); // the same minute
  assert.equal(again.capturedAt, '2026-11-27T15:05:00.000000Z');
  assert.deepEqual((await db.pool.query(versions)).rows[0], before);
  assert.equal(before.n, ALL.length);

  const next = await cycle(new Date(AT.getTime() + 60_000)); // the next minute: a new snapshot of every contract
  assert.equal(next.rowsWritten, ALL.length);
  assert.equal(await rowCount(db), 2 * ALL.length);
});

test('fetchers wait while the write buffer is full: no next page is asked for until rows are durable', { timeout: 30_000 }, async (t) => {
  const { server, db, strategy, buffer, cycle } = await setup(t, {}, KEY, { maxPendingRows: 250 });
  let release!: () => void;
  strategy.hold = new Promise<void>((resolve) => (release = resolve));
  const chain = '/v3/snapshot/options/AAPL';
  // What happened, in order, with the pages the server had been asked for at each point.
  const order: string[] = [];
  const note = (what: string) => order.push(`${what} (${server.requestsTo(chain).length} requested)`);
  const running = cycle(AT, ['AAPL'], { buffer: watched(buffer, { room: () => note('room asked'), roomGiven: () => note('room given') }) });
  try {
    await until(() => strategy.batches === 1 && order.length > 0);
    // The first page is in a batch the database holds, and its fetcher is parked in room().
    assert.deepEqual(order, ['room asked (1 requested)']);
    note('batch released');
  } finally {
    release(); // also when an assertion failed: a held buffer would never close
  }
  const result = await running;
  assert.deepEqual(order.slice(0, 3), ['room asked (1 requested)', 'batch released (1 requested)', 'room given (1 requested)']);
  assert.equal(result.rowsWritten, 600);
  assert.equal(server.requestsTo(chain).length, 3);
  assert.equal(await rowCount(db), 600);
});

test('an invalid result is rejected with its reason; the rest of its page is stored', { timeout: 30_000 }, async (t) => {
  const bad = DOCUMENTED_RESULT.replace('"strike_price":4500', '"strike_price":4400');
  const spy = sampleChain('SPY', 20);
  const { db, cycle } = await setup(t, { chains: { SPY: [...spy.slice(0, 10), bad, ...spy.slice(10)] } });
  const rejects: CycleReject[] = [];
  const result = await cycle(AT, ['SPY'], { onReject: (reject) => void rejects.push(reject) });
  assert.equal(result.rowsWritten, 20);
  assert.equal(result.rejected, 1);
  assert.equal(rejects.length, 1);
  assert.equal(rejects[0]!.underlying, 'SPY');
  assert.equal(rejects[0]!.position, 11);
  assert.match(rejects[0]!.reason, /details\.strike_price 4400 contradicts the ticker \(4500\)/);
  assert.equal(rejects[0]!.raw, bad, 'the result as the API sent it');
  assert.deepEqual([...(await stored(db, '2026-11-27T15:05:00Z')).keys()], spy.map(tickerOf).sort());
});

test('an underlying that fails is reported and skipped; the others are stored', { timeout: 30_000 }, async (t) => {
  const { server, db, cycle } = await setup(t);
  server.script('/v3/snapshot/options/SPY', ...Array.from({ length: 3 }, () => ({ kind: 'malformed' }) as const));
  const failures: string[] = [];
  const result = await cycle(AT, ['AAPL', 'SPY', 'ZZZQ', 'I:SPX'], { onFailed: (failure) => void failures.push(failure.underlying) });
  assert.deepEqual(result.failed.map((failure) => failure.underlying).sort(), ['SPY', 'ZZZQ']);
  assert.deepEqual(failures.sort(), ['SPY', 'ZZZQ']);
  assert.match(result.failed.find((failure) => failure.underlying === 'SPY')!.reason, /option chain of SPY .* failed after 3 attempt\(s\)/);
  assert.match(result.failed.find((failure) => failure.underlying === 'ZZZQ')!.reason, /not found \(404\): the option chain of ZZZQ/);
  const expected = [...CHAINS.AAPL, ...CHAINS['I:SPX']];
  assert.deepEqual(await stored(db, '2026-11-27T15:05:00Z'), served(expected));
  assert.equal(result.rowsWritten, expected.length);
  assert.equal(result.retries, 2);
});

test("a key the API refuses stops the cycle with the client's error, naming POLYGON_API_KEY", { timeout: 30_000 }, async (t) => {
  const { server, db, cycle } = await setup(t, {}, 'wrong-key-0c9a11');
  await assert.rejects(cycle(), (error: unknown) => {
    assert.ok(error instanceof PolygonApiError);
    assert.equal(error.status, 401);
    assert.match(error.message, /POLYGON_API_KEY/);
    return true;
  });
  assert.ok(server.requests.length <= 3, 'no retries');
  assert.equal(await rowCount(db), 0);
});

test('cancelling the signal stops the fetching; the pages already fetched are written', { timeout: 30_000 }, async (t) => {
  const { server, db, buffer, cycle } = await setup(t);
  server.script('/v3/snapshot/options/AAPL', { kind: 'ok' }, { kind: 'slow', delayMs: 60_000 });
  const expected = [...CHAINS.AAPL.slice(0, 250), ...CHAINS.SPY, ...CHAINS['I:SPX']];
  const controller = new AbortController();
  let handed = 0;
  const running = cycle(AT, Object.keys(CHAINS), { signal: controller.signal, buffer: watched(buffer, { write: () => handed++ }) });
  // The second AAPL page hangs; every other page has been handed to the buffer.
  await until(() => server.requests.some((request) => request.fault === 'slow') && handed === expected.length);
  controller.abort(new Error('Ctrl-C'));
  const result = await running;
  assert.equal(result.interrupted, true);
  assert.deepEqual(result.failed, [], 'an interrupted chain is not a failed one');
  assert.deepEqual(await stored(db, '2026-11-27T15:05:00Z'), served(expected));
  assert.equal(result.rowsWritten, expected.length);
});
