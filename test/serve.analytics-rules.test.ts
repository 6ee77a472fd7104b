/**
 * The /v1 analytics of `serveApi` on small chains built by hand, whose answers are worked
 * out below: max pain, the call and put walls and open interest by strike of a 3-strike
 * expiration and of two expirations summed; put/call ratios and the at-the-money rule
 * (ties to the lower strike); the smile; `as_of`; a contract's history with its stored
 * digits and paging; the most active and unusual-volume contracts of a New York day.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ApiServer, resolveConfig, serveApi } from '../src/index.js';
import { contract, handResult, type HandSnapshot, ingestCapture } from './harness/captures.js';
import { TestDatabases } from './harness/database.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-serve-analytics-');
let server: ApiServer;

const E1 = '2025-12-19';
const E2 = '2026-01-16';
const EARLIER = '2025-11-19T20:00:00Z';
const FIRST = '2025-11-20T15:30:00Z';
const SECOND = '2025-11-20T20:00:00.123456Z';
const C100 = contract('XYZ', E1, 'call', 100);

const xyz = (type: 'call' | 'put', strike: number, expiration = E1) => contract('XYZ', expiration, type, strike);

/** The XYZ chain of the first capture: open interest, volume and IV chosen so that each answer below is worked out by hand. */
function firstChain(price: string): HandSnapshot[] {
  const at = (fields: Omit<HandSnapshot, 'underlying' | 'underlyingPrice'>): HandSnapshot => ({
    underlying: 'XYZ',
    underlyingPrice: price,
    ...fields,
  });
  return [
    at({ ticker: xyz('call', 90), openInterest: 10, volume: 5, impliedVolatility: '0.25', delta: '0.9' }),
    at({ ticker: xyz('put', 90), openInterest: 40, volume: 20, impliedVolatility: '0.5', delta: '-0.1' }),
    at({
      ticker: C100,
      openInterest: 20,
      volume: 10,
      impliedVolatility: '0.25',
      delta: '0.55',
      gamma: '0.0421',
      theta: '-0.0371',
      vega: '0.1122',
      bid: '1.60',
      ask: '1.650',
      lastPrice: '1.62',
    }),
    at({ ticker: xyz('put', 100), openInterest: 30, volume: 0, impliedVolatility: '0.375', delta: '-0.45' }),
    at({ ticker: xyz('call', 110), openInterest: 50, volume: 15, impliedVolatility: '0.125', delta: '0.2' }),
    at({ ticker: xyz('put', 110), openInterest: 5, volume: 25 }),
    at({ ticker: xyz('call', 120, E2), openInterest: 0, volume: 3, impliedVolatility: '0.5', delta: '0.3' }),
    at({ ticker: xyz('put', 120, E2), openInterest: 300, volume: 7 }),
  ];
}

/** The second capture: the underlying at 105 (equally far from 100 and 110), C100 requoted, 500 open on P110. */
function secondChain(): HandSnapshot[] {
  return firstChain('105').map((s) => {
    if (s.ticker === C100) return { ...s, bid: '1.70', ask: '1.80', lastPrice: '1.75' };
    if (s.ticker === xyz('put', 110)) return { ...s, openInterest: 500 };
    return s;
  });
}

const act = (type: 'call' | 'put', strike: number) => contract('ACT', E1, type, strike);
const A = act('call', 100);
const B = act('call', 105);
const C = act('put', 95);
const D = act('put', 90);
const E = act('call', 110);
const F = act('call', 115);
const G = act('call', 120);
const H = act('put', 100);
const I = act('put', 85);
const J = act('call', 125);
const K = act('put', 80);
const ACT_DAY = '2025-11-24';

before(async () => {
  const db = await databases.migrated('serve_analytics_rules');
  const config = resolveConfig({}, { DATABASE_URL: db.url });
  const results = (snapshots: readonly HandSnapshot[]) => snapshots.map(handResult);
  await ingestCapture(
    config,
    dir,
    'earlier',
    results([
      {
        ticker: C100,
        underlying: 'XYZ',
        underlyingPrice: '100.5',
        openInterest: 18,
        volume: 4,
        impliedVolatility: '0.26',
        delta: '0.5',
        bid: '1.50',
        ask: '1.60',
        lastPrice: '1.55',
      },
    ]),
    EARLIER,
  );
  await ingestCapture(config, dir, 'first', results(firstChain('101')), FIRST);
  await ingestCapture(config, dir, 'second', results(secondChain()), SECOND);

  const day = (ticker: string, volume: number, openInterest?: number): HandSnapshot => ({
    ticker,
    underlying: 'ACT',
    volume,
    ...(openInterest === undefined ? {} : { openInterest }),
  });
  // 23:30 in New York on the 23rd: not the 24th.
  await ingestCapture(config, dir, 'act-before', results([day(K, 999, 1)]), '2025-11-24T04:30:00Z');
  await ingestCapture(
    config,
    dir,
    'act-early',
    results([day(A, 10, 100), day(B, 1, 0), day(C, 900, 2000), day(I, 150, 100)]),
    '2025-11-24T15:30:00Z',
  );
  await ingestCapture(
    config,
    dir,
    'act-late',
    results([
      day(A, 500, 100),
      day(B, 300, 0),
      day(C, 1000, 2000),
      day(D, 50, 10),
      day(E, 125, 100),
      day(F, 124, 100),
      day(G, 0, 5),
      day(H, 200),
    ]),
    '2025-11-24T20:00:00Z',
  );
  // 23:30 in New York on the 24th: still the 24th.
  await ingestCapture(config, dir, 'act-evening', results([day(J, 700, 1000)]), '2025-11-25T04:30:00Z');
  server = await serveApi(config, { listen: { host: '127.0.0.1', port: 0 } });
});
after(async () => {
  await server?.close();
  await databases.dropAll();
});

async function get(path: string): Promise<{ status: number; body: any; text: string }> {
  const response = await fetch(`${server.url}${path}`);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), text };
}

async function ok(path: string): Promise<any> {
  const answer = await get(path);
  assert.equal(answer.status, 200, `${path}: ${answer.text}`);
  assert.equal(answer.body.status, 'OK');
  assert.match(answer.body.request_id, /^[0-9a-f]{32}$/);
  return answer.body;
}

test('open interest of one expiration: by strike, the walls, and max pain worked out by hand', async () => {
  const body = await ok(`/v1/underlyings/XYZ/open-interest?expiration_date=${E1}&as_of=${FIRST}`);
  assert.equal(body.captured_at, FIRST);
  assert.equal(body.underlying_price, 101);
  assert.equal(body.expiration_date, E1);
  assert.deepEqual(body.results, [
    { strike_price: 90, call_open_interest: 10, put_open_interest: 40, call_volume: 5, put_volume: 20 },
    { strike_price: 100, call_open_interest: 20, put_open_interest: 30, call_volume: 10, put_volume: 0 },
    { strike_price: 110, call_open_interest: 50, put_open_interest: 5, call_volume: 15, put_volume: 25 },
  ]);
  // What the holders are paid at expiry, settling at each strike:
  //   at 90:  calls 0;                          puts 30·10 + 5·20 = 400
  //   at 100: calls 10·10 = 100;                puts 5·10 = 50          → 150, the least
  //   at 110: calls 10·20 + 20·10 = 400;        puts 0                  → 400
  assert.equal(body.max_pain, 100);
  assert.equal(body.call_wall, 110);
  assert.equal(body.put_wall, 90);
});

test('open interest of every expiration summed by strike, and as of the second capture', async () => {
  const summed = await ok(`/v1/underlyings/XYZ/open-interest?as_of=${FIRST}`);
  assert.equal(summed.expiration_date, undefined);
  assert.deepEqual(
    summed.results.map((row: any) => [row.strike_price, row.call_open_interest, row.put_open_interest, row.call_volume, row.put_volume]),
    [
      [90, 10, 40, 5, 20],
      [100, 20, 30, 10, 0],
      [110, 50, 5, 15, 25],
      [120, 0, 300, 3, 7],
    ],
  );
  //   at 90:  puts 30·10 + 5·20 + 300·30 = 9400
  //   at 100: calls 100;  puts 5·10 + 300·20 = 6050           → 6150
  //   at 110: calls 400;  puts 300·10 = 3000                  → 3400
  //   at 120: calls 10·30 + 20·20 + 50·10 = 1200;  puts 0     → 1200, the least
  assert.equal(summed.max_pain, 120);
  assert.equal(summed.call_wall, 110);
  assert.equal(summed.put_wall, 120);

  // The newest capture by default: 500 open on P110 moves the put wall and max pain
  // (at 90: 30·10 + 500·20 = 10300; at 100: 100 + 500·10 = 5100; at 110: 400).
  const second = await ok(`/v1/underlyings/XYZ/open-interest?expiration_date=${E1}`);
  assert.equal(second.captured_at, '2025-11-20T20:00:00.123456Z');
  assert.equal(second.underlying_price, 105);
  assert.equal(second.put_wall, 110);
  assert.equal(second.max_pain, 110);
});

test('per expiration: put/call ratios, and at the money the strike nearest the underlying', async () => {
  const body = await ok(`/v1/underlyings/XYZ/expirations?as_of=${FIRST}`);
  assert.equal(body.captured_at, FIRST);
  assert.deepEqual(body.results, [
    {
      expiration_date: E1,
      days_to_expiration: 29,
      call_volume: 30,
      put_volume: 45,
      put_call_volume_ratio: 1.5,
      call_open_interest: 80,
      put_open_interest: 75,
      put_call_open_interest_ratio: 0.9375,
      // 101 is nearest 100: the mean of its call's 0.25 and its put's 0.375.
      atm_strike: 100,
      atm_implied_volatility: 0.3125,
    },
    {
      expiration_date: E2,
      days_to_expiration: 57,
      call_volume: 3,
      put_volume: 7,
      put_call_volume_ratio: 2.3333,
      call_open_interest: 0,
      put_open_interest: 300,
      // No call open interest: no ratio. Only the call has an IV at 120.
      atm_strike: 120,
      atm_implied_volatility: 0.5,
    },
  ]);
  const terms = await ok(`/v1/underlyings/XYZ/term-structure?as_of=${FIRST}`);
  assert.deepEqual(terms.results, [
    { expiration_date: E1, days_to_expiration: 29, atm_strike: 100, atm_implied_volatility: 0.3125 },
    { expiration_date: E2, days_to_expiration: 57, atm_strike: 120, atm_implied_volatility: 0.5 },
  ]);
  assert.equal(terms.underlying_price, 101);

  // At 105, strikes 100 and 110 are equally near: the lower one is at the money.
  const tie = await ok('/v1/underlyings/XYZ/term-structure');
  assert.equal(tie.underlying_price, 105);
  assert.deepEqual(tie.results[0], { expiration_date: E1, days_to_expiration: 29, atm_strike: 100, atm_implied_volatility: 0.3125 });
});

test('the smile: each contract with an implied volatility, by strike then type', async () => {
  const body = await ok(`/v1/underlyings/XYZ/smile?expiration_date=${E1}&as_of=2025-11-20`);
  assert.equal(body.captured_at, '2025-11-20T20:00:00.123456Z', 'a day means up to its end in New York');
  assert.equal(body.expiration_date, E1);
  assert.deepEqual(body.results, [
    { strike_price: 90, contract_type: 'call', ticker: xyz('call', 90), delta: 0.9, implied_volatility: 0.25 },
    { strike_price: 90, contract_type: 'put', ticker: xyz('put', 90), delta: -0.1, implied_volatility: 0.5 },
    { strike_price: 100, contract_type: 'call', ticker: C100, delta: 0.55, implied_volatility: 0.25 },
    { strike_price: 100, contract_type: 'put', ticker: xyz('put', 100), delta: -0.45, implied_volatility: 0.375 },
    { strike_price: 110, contract_type: 'call', ticker: xyz('call', 110), delta: 0.2, implied_volatility: 0.125 },
  ]);
});

test('as_of: a contract keeps its latest snapshot by then; before anything is stored the answer is empty', async () => {
  const stale = await ok(`/v1/underlyings/XYZ/open-interest?as_of=2025-11-20T15:29:59Z`);
  assert.equal(stale.captured_at, EARLIER);
  assert.deepEqual(stale.results, [{ strike_price: 100, call_open_interest: 18, put_open_interest: 0, call_volume: 4, put_volume: 0 }]);
  assert.equal(stale.max_pain, 100);
  assert.equal(stale.put_wall, undefined, 'no put open interest: no put wall');

  for (const path of ['open-interest', 'expirations', 'term-structure', `smile?expiration_date=${E1}&`]) {
    const separator = path.includes('?') ? '' : '?';
    const empty = await ok(`/v1/underlyings/XYZ/${path}${separator}as_of=2025-11-18`);
    assert.deepEqual(empty.results, [], path);
    assert.equal(empty.captured_at, undefined, path);
    assert.deepEqual((await ok(`/v1/underlyings/NOPE/${path}`)).results, [], path);
  }
});

test("a contract's history: every capture in the range, oldest first, with the stored digits", async () => {
  const answer = await get(`/v1/contracts/${C100}/history`);
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body.results, [
    {
      captured_at: EARLIER,
      last_price: 1.55,
      bid: 1.5,
      ask: 1.6,
      midpoint: 1.55,
      implied_volatility: 0.26,
      delta: 0.5,
      open_interest: 18,
      volume: 4,
      underlying_price: 100.5,
    },
    {
      captured_at: FIRST,
      last_price: 1.62,
      bid: 1.6,
      ask: 1.65,
      midpoint: 1.625,
      implied_volatility: 0.25,
      delta: 0.55,
      gamma: 0.0421,
      theta: -0.0371,
      vega: 0.1122,
      open_interest: 20,
      volume: 10,
      underlying_price: 101,
    },
    {
      captured_at: '2025-11-20T20:00:00.123456Z',
      last_price: 1.75,
      bid: 1.7,
      ask: 1.8,
      midpoint: 1.75,
      implied_volatility: 0.25,
      delta: 0.55,
      gamma: 0.0421,
      theta: -0.0371,
      vega: 0.1122,
      open_interest: 20,
      volume: 10,
      underlying_price: 105,
    },
  ]);
  assert.match(answer.text, /"bid":1\.60,"ask":1\.650,"midpoint":1\.625,/, 'numbers keep the digits they were stored with');

  const captures = async (query: string) => (await ok(`/v1/contracts/${C100}/history?${query}`)).results.map((row: any) => row.captured_at);
  assert.deepEqual(await captures('from=2025-11-20'), [FIRST, '2025-11-20T20:00:00.123456Z']);
  assert.deepEqual(await captures('to=2025-11-19'), [EARLIER]);
  assert.deepEqual(await captures(`from=${FIRST}&to=${FIRST}`), [FIRST]);
  assert.deepEqual(await captures('from=2025-11-20T20:00:00.123457Z'), []);

  const refused = await get(`/v1/contracts/${C100}/history?from=${SECOND}&to=${FIRST}`);
  assert.equal(refused.status, 400);
  assert.match(refused.body.error, /^from \(.*\) is after to \(.*\)$/);
  const unknown = await get(`/v1/contracts/${xyz('call', 95)}/history`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.status, 'NOT_FOUND');
});

test('history pages: next_url continues after the last capture, and the last page has none', async () => {
  const seen: string[] = [];
  let path: string | undefined = `/v1/contracts/${C100}/history?limit=1`;
  let pages = 0;
  while (path !== undefined) {
    const body = await ok(path);
    pages++;
    seen.push(...body.results.map((row: any) => row.captured_at));
    path = body.next_url === undefined ? undefined : body.next_url.slice(server.url.length);
    assert.ok(body.next_url === undefined || body.next_url.startsWith(server.url));
  }
  assert.equal(pages, 3);
  assert.deepEqual(seen, [EARLIER, FIRST, '2025-11-20T20:00:00.123456Z']);
});

test('most active: the last snapshot of each contract in the New York day, by volume', async () => {
  const body = await ok(`/v1/most-active?date=${ACT_DAY}`);
  assert.equal(body.date, ACT_DAY);
  // K was captured at 23:30 on the 23rd in New York, J at 23:30 on the 24th; A, B and C
  // were captured twice that day and count with their later volume; G traded nothing.
  assert.deepEqual(
    body.results.map((row: any) => [row.ticker, row.volume]),
    [
      [C, 1000],
      [J, 700],
      [A, 500],
      [B, 300],
      [H, 200],
      [I, 150],
      [E, 125],
      [F, 124],
      [D, 50],
    ],
  );
  assert.deepEqual(body.results[2], {
    ticker: A,
    underlying_ticker: 'ACT',
    contract_type: 'call',
    expiration_date: E1,
    strike_price: 100,
    volume: 500,
    open_interest: 100,
    volume_to_open_interest: 5,
    captured_at: '2025-11-24T20:00:00Z',
  });
  const byUnderlying = await ok(`/v1/most-active?date=${ACT_DAY}&underlying=ACT&limit=2`);
  assert.deepEqual(
    byUnderlying.results.map((row: any) => row.ticker),
    [C, J],
  );
  assert.deepEqual((await ok(`/v1/most-active?date=${ACT_DAY}&underlying=XYZ`)).results, []);

  // The default day is the newest capture's (of the underlying's contracts when one is given).
  assert.equal((await ok('/v1/most-active?limit=1')).date, ACT_DAY);
  const xyzDay = await ok('/v1/most-active?underlying=XYZ&limit=3');
  assert.equal(xyzDay.date, '2025-11-20');
  assert.deepEqual(
    xyzDay.results.map((row: any) => [row.ticker, row.volume]),
    [
      [xyz('put', 110), 25],
      [xyz('put', 90), 20],
      [xyz('call', 110), 15],
    ],
  );
});

test('unusual volume: at least 100 contracts and 1.25 × open interest, no open interest first', async () => {
  for (const query of [`date=${ACT_DAY}`, `date=${ACT_DAY}&underlying=ACT`]) {
    const body = await ok(`/v1/unusual-volume?${query}`);
    // Not D (50 < 100), F (124 < 1.25 × 100), C or J (under their open interest), nor H (no open interest stored).
    assert.deepEqual(
      body.results.map((row: any) => [row.ticker, row.volume, row.open_interest, row.volume_to_open_interest]),
      [
        [B, 300, 0, undefined],
        [A, 500, 100, 5],
        [I, 150, 100, 1.5],
        [E, 125, 100, 1.25],
      ],
      query,
    );
  }
});

test('every /v1 analytics endpoint is in the OpenAPI document with its parameters', async () => {
  const document = (await get('/openapi.json')).body;
  const expected: Record<string, string[]> = {
    '/v1/contracts/{optionContract}/history': ['optionContract', 'from', 'to', 'limit', 'cursor'],
    '/v1/underlyings/{underlying}/smile': ['underlying', 'expiration_date', 'as_of'],
    '/v1/underlyings/{underlying}/term-structure': ['underlying', 'as_of'],
    '/v1/underlyings/{underlying}/open-interest': ['underlying', 'expiration_date', 'as_of'],
    '/v1/underlyings/{underlying}/expirations': ['underlying', 'as_of'],
    '/v1/most-active': ['date', 'underlying', 'limit'],
    '/v1/unusual-volume': ['date', 'underlying', 'limit'],
  };
  for (const [path, names] of Object.entries(expected)) {
    const operation = document.paths[path]?.get;
    assert.ok(operation, `${path} is documented`);
    assert.deepEqual(operation.parameters.map((parameter: any) => parameter.name).sort(), [...names].sort(), path);
  }
  const smileExpiration = document.paths['/v1/underlyings/{underlying}/smile'].get.parameters.find(
    (parameter: any) => parameter.name === 'expiration_date',
  );
  assert.equal(smileExpiration.required, true);
});
