/**
 * `optdb contracts sync`: the built CLI against the test Polygon server's contracts
 * reference, into a real PostgreSQL. Asserts the options rows field by field, that a
 * second run rewrites nothing, --expired, and contracts rejected for contradicting their
 * own tickers.
 */
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import { parse } from 'lossless-json';
import { contractFromReference } from '../src/contracts/reference-contract.js';
import type { JsonValue } from '../src/domain/json-value.js';
import { type CliResult, collect, runCli, spawnCli } from './harness/cli.js';
import { TestDatabases, type TestDatabase } from './harness/database.js';
import { type ReferenceContract, referenceContracts } from './harness/polygon-fixtures.js';
import { PolygonServer } from './harness/polygon-server.js';
import { query } from './harness/sql.js';

const KEY = 'sync-key-51c0e7aa';
const TODAY = '2025-11-21';
const SPY = referenceContracts('SPY', 2000);
// Listed in September: by TODAY part of these have expired.
const AAPL = referenceContracts('AAPL', 400, '2025-09-19');
const AAPL_ACTIVE = AAPL.filter((contract) => contract.expiration_date >= TODAY);
const AAPL_EXPIRED = AAPL.filter((contract) => contract.expiration_date < TODAY);

const databases = new TestDatabases();
after(() => databases.dropAll());

interface Setup {
  server: PolygonServer;
  db: TestDatabase;
  sync(args: string[]): Promise<CliResult>;
}

async function setup(t: TestContext, contracts: readonly ReferenceContract[]): Promise<Setup> {
  const server = await PolygonServer.start({ apiKey: KEY, contracts, today: TODAY });
  t.after(() => server.close());
  const db = await databases.migrated('contracts_sync');
  const sync = (args: string[]) =>
    runCli(['contracts', 'sync', '--base-url', server.baseUrl, ...args], {
      DATABASE_URL: db.url,
      POLYGON_API_KEY: KEY,
      POLYGON_BASE_URL: undefined,
    });
  return { server, db, sync };
}

function summary(result: CliResult): Record<string, any> {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** The options rows, as text, in the fixture's shape. */
async function storedContracts(db: TestDatabase, underlying: string): Promise<Record<string, string>[]> {
  return query(
    db.url,
    `SELECT ticker, underlying_ticker, contract_type::text, exercise_style::text, expiration_date::text, strike_price::text,
            shares_per_contract::text, primary_exchange
       FROM options WHERE underlying_ticker = $1 ORDER BY ticker`,
    [underlying],
  );
}

function expected(contracts: readonly ReferenceContract[]): Record<string, string>[] {
  return contracts
    .map((c) => ({
      ticker: c.ticker,
      underlying_ticker: c.underlying_ticker,
      contract_type: c.contract_type,
      exercise_style: c.exercise_style,
      expiration_date: c.expiration_date,
      strike_price: c.strike_price.toFixed(3),
      shares_per_contract: String(c.shares_per_contract),
      primary_exchange: c.primary_exchange,
    }))
    .sort((a, b) => (a.ticker < b.ticker ? -1 : 1));
}

test(
  '2 pages of 1,000 contracts fill options exactly; a contract known from a snapshot is enriched; a second run rewrites nothing',
  { timeout: 60_000 },
  async (t) => {
    const { server, db, sync } = await setup(t, SPY);
    // Known from a snapshot: the ticker's facts, the underlying guessed, nothing else.
    const known = SPY[7]!;
    await query(
      db.url,
      `INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price) VALUES ($1, 'SPY', 'SPY', $2, $3, $4)`,
      [known.ticker, known.contract_type, known.expiration_date, known.strike_price],
    );

    const first = summary(await sync(['--underlyings', 'SPY', '--json']));
    assert.deepEqual(
      [first.pages, first.listed, first.created, first.updated, first.unchanged, first.rejected, first.requests, first.failed],
      [2, 2000, 1999, 1, 0, 0, 2, []],
    );
    assert.deepEqual(await storedContracts(db, 'SPY'), expected(SPY));
    const requests = server.requestsTo('/v3/reference/options/contracts');
    assert.deepEqual(requests[0]!.query, { underlying_ticker: 'SPY', expired: 'false', limit: '1000' });

    const versions = `SELECT md5(string_agg(ticker || ':' || xmin::text, ',' ORDER BY ticker)) AS v FROM options`;
    const before = await query(db.url, versions);
    const second = await sync(['--underlyings', 'SPY']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      /^1 underlying {2}2,000 contracts listed \(2 pages\) {2}0 created {2}0 updated {2}2,000 unchanged {2}0 rejected {2}2 requests \(0 retries, 0 × 429\) {2}\d+\.\d s\n$/,
    );
    assert.deepEqual(await query(db.url, versions), before, 'no new row versions');
    assert.ok(!second.stdout.includes(KEY) && !second.stderr.includes(KEY));
  },
);

test(
  'Ctrl-C while a page is awaited: the pages fetched are stored, the line says interrupted, exit 130',
  { timeout: 60_000 },
  async (t) => {
    const { server, db } = await setup(t, SPY);
    server.script('/v3/reference/options/contracts', { kind: 'ok' }, { kind: 'slow', delayMs: 30_000 });
    const child = spawnCli(['contracts', 'sync', '--base-url', server.baseUrl, '--underlyings', 'SPY'], {
      DATABASE_URL: db.url,
      POLYGON_API_KEY: KEY,
      POLYGON_BASE_URL: undefined,
    });
    t.after(() => void child.kill('SIGKILL'));
    const done = collect(child, 50_000);
    let stored = 0;
    for (let i = 0; i < 600 && (stored < 1000 || server.requestsTo('/v3/reference/options/contracts').length < 2); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stored = (await query(db.url, 'SELECT count(*)::int AS n FROM options'))[0]!.n;
    }
    assert.equal(stored, 1000, 'the first page was not stored');
    child.kill('SIGINT');
    const result = await done;

    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /stopping: the pages already fetched are being written/);
    assert.doesNotMatch(result.stderr, /skipped|cleanup failed|Cannot use a pool/);
    assert.match(result.stdout, /^1 underlying {2}1,000 contracts listed \(1 page\) {2}1,000 created .* {2}interrupted\n$/);
    assert.equal((await query(db.url, 'SELECT count(*)::int AS n FROM options'))[0]!.n, 1000);
  },
);

test('--expired adds the expired contracts to the listed ones', { timeout: 60_000 }, async (t) => {
  assert.ok(AAPL_ACTIVE.length > 0 && AAPL_EXPIRED.length > 0);
  const { server, db, sync } = await setup(t, AAPL);
  const active = summary(await sync(['--underlyings', 'AAPL', '--json']));
  assert.equal(active.created, AAPL_ACTIVE.length);
  assert.deepEqual(await storedContracts(db, 'AAPL'), expected(AAPL_ACTIVE));

  const all = summary(await sync(['--underlyings', 'AAPL', '--expired', '--json']));
  assert.deepEqual([all.listed, all.created, all.unchanged], [AAPL.length, AAPL_EXPIRED.length, AAPL_ACTIVE.length]);
  assert.deepEqual(await storedContracts(db, 'AAPL'), expected(AAPL));
  const asked = server
    .requestsTo('/v3/reference/options/contracts')
    .slice(-2)
    .map((request) => request.query['expired']);
  assert.deepEqual(asked, ['false', 'true']);

  // As of a later day, more of them have expired; the listing is read for that day.
  const later = summary(await sync(['--underlyings', 'AAPL', '--as-of', '2026-03-01', '--json']));
  assert.equal(later.listed, AAPL.filter((contract) => contract.expiration_date >= '2026-03-01').length);
  assert.equal(server.requestsTo('/v3/reference/options/contracts').at(-1)!.query['as_of'], '2026-03-01');
});

test(
  'a contract whose fields contradict its ticker is rejected with the reason; the rest of its page is stored',
  { timeout: 60_000 },
  async (t) => {
    const qqq = referenceContracts('QQQ', 50);
    const wrongStrike = { ...qqq[3]!, strike_price: qqq[3]!.strike_price + 1 };
    const wrongType = { ...qqq[9]!, contract_type: qqq[9]!.contract_type === 'call' ? 'put' : 'call' } as ReferenceContract;
    const { db, sync } = await setup(t, [...qqq.slice(0, 3), wrongStrike, ...qqq.slice(4, 9), wrongType, ...qqq.slice(10)]);
    const result = await sync(['--underlyings', 'QQQ', '--json']);
    const counts = summary(result);
    assert.deepEqual([counts.listed, counts.created, counts.rejected], [50, 48, 2]);
    assert.match(
      result.stderr,
      new RegExp(
        `rejected ${qqq[3]!.ticker.replace(/[$^.*+?()[\]{}|\\]/g, '\\$&')} \\(QQQ\\): strike_price ${wrongStrike.strike_price} contradicts the ticker \\(${qqq[3]!.strike_price}\\)`,
      ),
    );
    assert.match(
      result.stderr,
      new RegExp(
        `rejected ${qqq[9]!.ticker.replace(/[$^.*+?()[\]{}|\\]/g, '\\$&')} \\(QQQ\\): contract_type ${wrongType.contract_type} contradicts the ticker`,
      ),
    );
    assert.deepEqual(await storedContracts(db, 'QQQ'), expected(qqq.filter((_, i) => i !== 3 && i !== 9)));
  },
);

test('reference records are read exactly and checked against their tickers', () => {
  const read = (json: string) => contractFromReference(parse(json) as JsonValue);
  const good = read(
    '{"ticker":"O:SPXW230712C04500000","underlying_ticker":"I:SPX","contract_type":"call","exercise_style":"european","expiration_date":"2023-07-12","strike_price":4500.000,"shares_per_contract":100,"primary_exchange":"XCBO","cfi":"OCEICS"}',
  );
  assert.ok(good.ok);
  assert.deepEqual(
    [
      good.contract.underlyingTicker,
      good.contract.root,
      good.contract.strikePrice,
      good.contract.exerciseStyle,
      good.contract.sharesPerContract,
      good.contract.primaryExchange,
    ],
    ['I:SPX', 'SPXW', '4500', 'european', 100, 'XCBO'],
  );
  // An index option's underlying named without the I: prefix is stored as snapshots name it.
  const bare = read('{"ticker":"O:SPXW230712C04500000","underlying_ticker":"SPX","strike_price":4500}');
  assert.ok(bare.ok && bare.contract.underlyingTicker === 'I:SPX');
  const stock = read('{"ticker":"O:SPY251121C00625000","underlying_ticker":"SPY","strike_price":625}');
  assert.ok(stock.ok && stock.contract.underlyingTicker === 'SPY', 'a stock underlying keeps its name');
  // An adjusted contract: its own underlying and deliverable, not guessed from the root.
  const adjusted = read(
    '{"ticker":"O:GME1230721C00012500","underlying_ticker":"GME","strike_price":12.5,"shares_per_contract":150,"expiration_date":"2023-07-21"}',
  );
  assert.ok(adjusted.ok && adjusted.contract.sharesPerContract === 150 && adjusted.contract.underlyingTicker === 'GME');

  const reasons = [
    ['{"ticker":"O:SPY251121C00625000","strike_price":625.0001}', /strike_price 625.0001 contradicts the ticker \(625\)/],
    [
      '{"ticker":"O:SPY251121C00625000","expiration_date":"2025-11-28"}',
      /expiration_date 2025-11-28 contradicts the ticker \(2025-11-21\)/,
    ],
    ['{"ticker":"O:SPY251121C00625000","exercise_style":"asian"}', /bad exercise_style: "asian"/],
    ['{"ticker":"O:SPY251121C00625000","shares_per_contract":0}', /bad shares_per_contract: 0/],
    ['{"ticker":"O:SPY251121X00625000"}', /bad ticker: bad contract type "X"/],
    ['{"underlying_ticker":"SPY"}', /missing or bad ticker: missing/],
  ] as const;
  for (const [json, reason] of reasons) {
    const result = read(json);
    assert.ok(!result.ok, json);
    assert.match(result.reason, reason);
  }
});
