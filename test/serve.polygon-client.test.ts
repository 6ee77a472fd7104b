/**
 * optdb's own Polygon client — the one `optdb poll` uses — pointed at `serveApi`: what
 * was ingested comes back field for field, with the stored digits, through the chain
 * (paged by next_url), one contract's snapshot and the contracts reference, as of the
 * capture asked for; the day bars come back in Polygon's aggregates shape.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isLosslessNumber, parse } from 'lossless-json';
import { type ApiPage, PolygonClient } from '../src/index.js';
import { TestDatabases } from './harness/database.js';
import { DOCUMENTED_RESULT } from './harness/polygon-fixtures.js';
import {
  BAR_TICKER,
  CHAIN_SIZE,
  FIRST_CAPTURE,
  INDEX_CAPTURE,
  micros,
  SECOND_CAPTURE,
  SECOND_OPEN_INTEREST,
  type ServedHistory,
  serveHistory,
} from './harness/served-history.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-serve-client-');
let history: ServedHistory;
let client: PolygonClient;

before(async () => {
  history = await serveHistory(databases, dir, 'serve_client');
  client = new PolygonClient({ apiKey: 'any-key-the-server-ignores', baseUrl: history.server.url, retry: { retries: 0 } });
});
after(async () => {
  client?.close();
  await history?.server.close();
  await databases.dropAll();
});

/** Plain values for deepEqual: numbers as their exact text, keys sorted. */
function canonical(value: unknown): unknown {
  if (isLosslessNumber(value)) return `number ${value.value}`;
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, inner]) => [key, canonical(inner)]),
    );
  }
  return value;
}

type Json = Record<string, any>;

/**
 * What optdb stores of an ingested result, as Polygon writes it: times at microsecond
 * precision, `day.last_updated` the capture time, and without what is not stored
 * (timeframes, trade conditions, the underlying's time and change to break-even); the
 * midpoint, computed from bid and ask, is compared on its own.
 */
function storedPart(resultText: string, capturedAt: string): Json {
  const result = parse(resultText) as Json;
  const nanos = (value: any) => parse(((BigInt(value.value) / 1000n) * 1000n).toString());
  result.day = { ...result.day, last_updated: parse((micros(capturedAt) * 1000n).toString()) };
  if (result.last_quote) {
    delete result.last_quote.timeframe;
    delete result.last_quote.midpoint;
    if (result.last_quote.last_updated) result.last_quote.last_updated = nanos(result.last_quote.last_updated);
  }
  if (result.last_trade) {
    delete result.last_trade.timeframe;
    delete result.last_trade.conditions;
    if (result.last_trade.sip_timestamp) result.last_trade.sip_timestamp = nanos(result.last_trade.sip_timestamp);
  }
  for (const field of ['timeframe', 'last_updated', 'change_to_break_even']) delete result.underlying_asset[field];
  return canonical(result) as Json;
}

function withoutMidpoint(result: any): Json {
  const copy = canonical(result) as Json;
  if (copy.last_quote) delete copy.last_quote.midpoint;
  return copy;
}

async function all(pages: AsyncIterable<ApiPage>): Promise<{ results: any[]; pages: number }> {
  const results: any[] = [];
  let count = 0;
  for await (const page of pages) {
    count++;
    results.push(...page.results);
  }
  return { results, pages: count };
}

const byTicker = (results: readonly string[]) => new Map(results.map((text) => [(parse(text) as Json).details.ticker as string, text]));

test('the chain comes back as ingested, paged through next_url, as of the newest capture by default', async () => {
  const { results, pages } = await all(client.chainSnapshot('AAPL', { limit: 7 }));
  assert.equal(pages, Math.ceil(CHAIN_SIZE / 7));
  assert.equal(results.length, CHAIN_SIZE);
  const tickers = results.map((result) => result.details.ticker);
  assert.deepEqual(tickers, [...tickers].sort(), 'sorted by ticker, no duplicate and none missing across pages');
  const ingested = byTicker(history.secondChain);
  for (const result of results) {
    assert.deepEqual(withoutMidpoint(result), storedPart(ingested.get(result.details.ticker)!, SECOND_CAPTURE));
    assert.equal(result.open_interest.value, SECOND_OPEN_INTEREST);
  }
});

test('as_of picks the capture: an instant, a day (its end in New York), and a time before anything is stored', async () => {
  const first = await all(client.chainSnapshot('AAPL', { as_of: FIRST_CAPTURE, sort: 'strike_price', order: 'desc', limit: 250 }));
  const ingested = byTicker(history.firstChain);
  assert.equal(first.results.length, CHAIN_SIZE);
  for (const result of first.results)
    assert.deepEqual(withoutMidpoint(result), storedPart(ingested.get(result.details.ticker)!, FIRST_CAPTURE));
  const strikes = first.results.map((result) => Number(result.details.strike_price.value));
  assert.deepEqual(
    strikes,
    [...strikes].sort((a, b) => b - a),
  );

  const justBefore = await all(client.chainSnapshot('AAPL', { as_of: '2025-11-20T19:59:59.999999Z' }));
  assert.ok(justBefore.results.every((result) => result.day.last_updated.value === (micros(FIRST_CAPTURE) * 1000n).toString()));
  const day = await all(client.chainSnapshot('AAPL', { as_of: '2025-11-20' }));
  assert.ok(day.results.every((result) => result.open_interest.value === SECOND_OPEN_INTEREST));
  const earlier = await all(client.chainSnapshot('AAPL', { as_of: '2025-11-20T15:29:59Z' }));
  assert.equal(earlier.results.length, 0);
});

test('filters: contract type, strike and expiration ranges', async () => {
  const { results } = await all(
    client.chainSnapshot('AAPL', {
      contract_type: 'put',
      'strike_price.gte': 250,
      'strike_price.lt': 300,
      'expiration_date.lte': '2025-12-31',
    }),
  );
  const expected = history.secondChain
    .map((text) => (parse(text) as Json).details)
    .filter(
      (d) =>
        d.contract_type === 'put' && Number(d.strike_price) >= 250 && Number(d.strike_price) < 300 && d.expiration_date <= '2025-12-31',
    );
  assert.ok(expected.length > 0, 'the filter keeps some contracts');
  assert.deepEqual(results.map((result) => result.details.ticker).sort(), expected.map((d) => d.ticker).sort());
});

test("one contract's snapshot: Polygon's documented result, field for field", async () => {
  const page = await client.contractSnapshot('I:SPX', 'O:SPXW230712C04500000');
  const [result] = page.results as Json[];
  assert.deepEqual(withoutMidpoint(result), storedPart(DOCUMENTED_RESULT, INDEX_CAPTURE));
  assert.equal(result!.last_quote.midpoint.value, '1.625');
  assert.equal(result!.underlying_asset.value.value, '4483.78', 'an index gives its level as value');
  assert.match(page.requestId ?? '', /^[0-9a-f]{32}$/);
});

test('the contracts reference lists the stored contracts, paged, expired ones only when asked', async () => {
  const listed = await all(client.contracts({ underlying_ticker: 'AAPL', as_of: '2025-11-20', limit: 9 }));
  assert.equal(listed.pages, Math.ceil(CHAIN_SIZE / 9));
  const details = new Map(history.firstChain.map((text) => [(parse(text) as Json).details.ticker, (parse(text) as Json).details]));
  assert.equal(listed.results.length, CHAIN_SIZE);
  for (const contract of listed.results) {
    assert.deepEqual(canonical(contract), canonical({ ...details.get(contract.ticker), underlying_ticker: 'AAPL' }));
  }
  const live = await all(client.contracts({ underlying_ticker: 'I:SPX', as_of: '2025-11-20' }));
  assert.equal(live.results.length, 0, 'expired in 2023');
  const expired = await all(client.contracts({ underlying_ticker: 'I:SPX', as_of: '2025-11-20', expired: true }));
  assert.deepEqual(
    expired.results.map((contract) => contract.ticker),
    ['O:SPXW230712C04500000'],
  );
});

test('day bars in the aggregates shape, stored digits kept, sorted and limited', async () => {
  const response = await fetch(`${history.server.url}/v2/aggs/ticker/${BAR_TICKER}/range/1/day/2023-07-01/2023-07-31?sort=desc&limit=2`);
  assert.equal(response.status, 200);
  const text = await response.text();
  const body = parse(text) as Json;
  assert.equal(body.status, 'OK');
  assert.equal(body.resultsCount.value, '2');
  assert.deepEqual(
    body.results.map((bar: Json) => canonical(bar)),
    [
      canonical(parse('{"c":1.7,"h":3.5,"l":1.35,"n":1203,"o":3.3,"t":1689134400000,"v":41840}')),
      canonical(parse('{"c":2.10,"h":2.2,"l":1.2,"o":1.650,"t":1689048000000,"v":12000}')),
    ],
  );
  const oldest = await fetch(`${history.server.url}/v2/aggs/ticker/${BAR_TICKER}/range/1/day/2023-07-10/2023-07-10`);
  assert.match(await oldest.text(), /"c":0\.30000000000000004/);
});

test('the OpenAPI document describes the endpoints and their parameters', async () => {
  const response = await fetch(`${history.server.url}/openapi.json`);
  assert.equal(response.status, 200);
  const document = (await response.json()) as Json;
  assert.match(document.openapi, /^3\./);
  for (const path of [
    '/v3/snapshot/options/{underlying}',
    '/v3/snapshot/options/{underlying}/{optionContract}',
    '/v3/reference/options/contracts',
    '/v2/aggs/ticker/{optionsTicker}/range/1/day/{from}/{to}',
  ]) {
    assert.ok(document.paths[path]?.get, `${path} is documented`);
  }
  const names = document.paths['/v3/snapshot/options/{underlying}'].get.parameters.map((p: Json) => p.name);
  for (const name of ['as_of', 'strike_price.gte', 'expiration_date.lt', 'contract_type', 'limit', 'cursor'])
    assert.ok(names.includes(name), name);
});
