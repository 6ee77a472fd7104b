/**
 * The Polygon REST client against a real HTTP server that speaks the API
 * (harness/polygon-server.ts): pagination, the key, index underlyings, exact timestamps,
 * rate and concurrency limits, and every fault the server can script.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { inspect } from 'node:util';
import { isLosslessNumber } from 'lossless-json';
import type { ApiEvent } from '../src/api/api-events.js';
import { PolygonApiError } from '../src/api/api-errors.js';
import { retryAfterMs } from '../src/api/api-request.js';
import { type ApiPage, PolygonClient } from '../src/api/polygon-client.js';
import type { PolygonClientOptions } from '../src/api/client-options.js';
import { RequestLimiter } from '../src/api/request-limiter.js';
import { fromPlainJson } from '../src/domain/plain-json.js';
import { validateSnapshot } from '../src/domain/snapshot.js';
import { OptdbError } from '../src/errors.js';
import type { JsonValue } from '../src/domain/json-value.js';
import { DOCUMENTED_RESULT, referenceContracts, sampleChain } from './harness/polygon-fixtures.js';
import { type PolygonServer, PolygonServer as Server, type PolygonServerOptions } from './harness/polygon-server.js';

const KEY = 'test-key-5f3a9c';
const CHAIN = '/v3/snapshot/options/AAPL';
const AAPL = sampleChain('AAPL', 600);
const FAST_RETRIES = { minDelayMs: 10, maxDelayMs: 50 };

interface Setup {
  server: PolygonServer;
  client: PolygonClient;
  events: ApiEvent[];
}

/** A server with `fixtures` and a client pointed at it; both closed when the test ends. */
async function setup(t: TestContext, fixtures: Partial<PolygonServerOptions> = {}, options: PolygonClientOptions = {}): Promise<Setup> {
  const server = await Server.start({ apiKey: KEY, chains: { AAPL }, ...fixtures });
  const events: ApiEvent[] = [];
  const client = new PolygonClient({
    apiKey: KEY,
    baseUrl: server.baseUrl,
    requestsPerSecond: 1000,
    ...options,
    retry: { ...FAST_RETRIES, ...options.retry },
    onEvent: (event) => events.push(event),
  });
  t.after(async () => {
    client.close();
    await server.close();
  });
  return { server, client, events };
}

async function collect(pages: AsyncIterable<ApiPage>): Promise<ApiPage[]> {
  const all: ApiPage[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

function tickerOf(result: JsonValue): string {
  const details = (result as { details?: { ticker?: unknown } }).details;
  assert.equal(typeof details?.ticker, 'string');
  return details!.ticker as string;
}

const fixtureTickers = (texts: readonly string[]): string[] =>
  texts.map((text) => (JSON.parse(text) as { details: { ticker: string } }).details.ticker);
const tickers = (pages: readonly ApiPage[]): string[] => pages.flatMap((page) => page.results.map(tickerOf));

/** Waits until `condition` holds; the bound only ends a broken test. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'the condition never held');
}

async function rejection(promise: Promise<unknown>): Promise<PolygonApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PolygonApiError, `expected a PolygonApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

test('a 600-contract chain comes in 3 pages of at most 250, every result once, in order', { timeout: 10_000 }, async (t) => {
  const { server, client } = await setup(t);
  const pages = await collect(client.chainSnapshot('AAPL'));
  assert.deepEqual(
    pages.map((page) => page.results.length),
    [250, 250, 100],
  );
  assert.deepEqual(tickers(pages), fixtureTickers(AAPL));
  assert.ok(pages.every((page) => typeof page.requestId === 'string' && page.requestId.length === 32));
  const requests = server.requestsTo(CHAIN);
  assert.equal(requests.length, 3);
  assert.equal(requests[0]!.query['limit'], '250', 'the first request asks for the largest page');
  assert.ok(
    requests.slice(1).every((request) => request.query['cursor'] !== undefined),
    'the next pages follow next_url',
  );
  assert.equal(client.counters.requests, 3);
});

test(
  'the key goes as a Bearer header on every page, next_url pages included, and never in a URL or event',
  { timeout: 10_000 },
  async (t) => {
    const { server, client, events } = await setup(t);
    const pages = await collect(client.chainSnapshot('AAPL'));
    assert.equal(server.requests.length, 3);
    for (const request of server.requests) {
      assert.equal(request.bearer, 'valid');
      assert.equal(request.keyInQuery, false);
    }
    for (const page of pages) assert.ok(!page.url.includes(KEY), page.url);
    assert.ok(events.length > 0);
    assert.ok(!JSON.stringify(events).includes(KEY));
    assert.ok(!inspect(client, { depth: 10 }).includes(KEY), 'inspecting the client does not print the key');
  },
);

test('an index underlying: I:SPX in the path with its colon, and a single-contract snapshot', { timeout: 10_000 }, async (t) => {
  const spx = [DOCUMENTED_RESULT, ...sampleChain('I:SPX', 40)];
  const { server, client } = await setup(t, { chains: { 'I:SPX': spx } });
  const pages = await collect(client.chainSnapshot('I:SPX'));
  assert.deepEqual(tickers(pages), fixtureTickers(spx));
  assert.equal(server.requests[0]!.rawPath, '/v3/snapshot/options/I:SPX');

  const one = await client.contractSnapshot('I:SPX', 'O:SPXW230712C04500000');
  assert.equal(one.results.length, 1);
  assert.equal(tickerOf(one.results[0]!), 'O:SPXW230712C04500000');
  assert.equal(server.requests.at(-1)!.rawPath, '/v3/snapshot/options/I:SPX/O:SPXW230712C04500000');
  assert.equal(server.requests.at(-1)!.bearer, 'valid');
});

test('served results reach snapshot validation with every digit of their nanosecond timestamps', { timeout: 10_000 }, async (t) => {
  // The facts result's quote time ends in …700 and survives a float; …999 does not:
  // JSON.parse rounds it up into the next microsecond.
  const exact = DOCUMENTED_RESULT.replace('"last_updated":1689174023516476700', '"last_updated":1689174023516476999');
  assert.notEqual(exact, DOCUMENTED_RESULT);
  const { client } = await setup(t, { chains: { 'I:SPX': [DOCUMENTED_RESULT, exact] } });
  const [page] = await collect(client.chainSnapshot('I:SPX'));
  const [verbatim, edited] = page!.results;

  const quoteTime = (result: JsonValue): unknown => (result as { last_quote: { last_updated: unknown } }).last_quote.last_updated;
  assert.ok(isLosslessNumber(quoteTime(edited!)));
  assert.equal(String(quoteTime(edited!)), '1689174023516476999');
  assert.equal(String(quoteTime(verbatim!)), '1689174023516476700');

  const options = { capturedAtMicros: undefined, resolutionMicros: 1n };
  for (const result of [verbatim!, edited!]) {
    const validated = validateSnapshot(fromPlainJson(result), options);
    assert.ok(validated.ok, validated.ok ? '' : validated.reason);
    assert.equal(validated.row['quote_at'], '2023-07-12T15:00:23.516476Z');
    assert.equal(validated.row['captured_at'], '2023-07-12T15:00:23.516476Z');
    assert.equal(validated.row['last_trade_at'], '2023-07-12T15:00:23.261703Z');
  }
  // What a JSON.parse client would have stored: a microsecond off.
  const rounded = validateSnapshot(fromPlainJson(JSON.parse(exact)), options);
  assert.ok(rounded.ok);
  assert.equal(rounded.row['quote_at'], '2023-07-12T15:00:23.516477Z');
});

test('a next_url that repeats a cursor ends the chain there, reported as an event', { timeout: 10_000 }, async (t) => {
  const { server, client, events } = await setup(t);
  server.script(CHAIN, { kind: 'ok' }, { kind: 'repeat-cursor' });
  const pages = await collect(client.chainSnapshot('AAPL'));
  assert.deepEqual(tickers(pages), fixtureTickers(AAPL).slice(0, 500));
  assert.equal(server.requestsTo(CHAIN).length, 2);
  const repeated = events.filter((event) => event.kind === 'repeated-cursor');
  assert.equal(repeated.length, 1);
  assert.equal(repeated[0]!.kind === 'repeated-cursor' && repeated[0]!.cursor, server.requestsTo(CHAIN)[1]!.query['cursor']);
});

test('a burst of 429s: retried, every result, the concurrency halved and then recovering', { timeout: 10_000 }, async (t) => {
  const { server, client, events } = await setup(t, {}, { concurrency: 4, recoverAfter: 1 });
  const throttle = { kind: 'status', status: 429 } as const;
  server.script(CHAIN, throttle, throttle, throttle);
  const pages = await collect(client.chainSnapshot('AAPL'));
  assert.deepEqual(tickers(pages), fixtureTickers(AAPL));
  assert.deepEqual(client.counters, { requests: 6, throttled: 3, retries: 3, failures: 0 });
  const limits = events.flatMap((event) => (event.kind === 'limit' ? [[event.from, event.to, event.reason]] : []));
  assert.deepEqual(limits, [
    [4, 2, 'throttled'],
    [2, 1, 'throttled'],
    [1, 2, 'recovery'],
    [2, 3, 'recovery'],
    [3, 4, 'recovery'],
  ]);
  assert.equal(client.concurrencyLimit, 4, 'back to the configured concurrency, not above');
  assert.equal(events.filter((event) => event.kind === 'throttled').length, 3);
});

test('one wave of 429s on requests in flight together lowers the concurrency once', { timeout: 10_000 }, async (t) => {
  const spx = sampleChain('I:SPX', 8);
  const { server, client, events } = await setup(t, { chains: { 'I:SPX': spx } }, { concurrency: 8, recoverAfter: 100 });
  const contracts = fixtureTickers(spx);
  // Held long enough that all eight are in flight before the first 429 arrives.
  for (const ticker of contracts) server.script(`/v3/snapshot/options/I:SPX/${ticker}`, { kind: 'status', status: 429, delayMs: 300 });
  const pages = await Promise.all(contracts.map((ticker) => client.contractSnapshot('I:SPX', ticker)));
  assert.deepEqual(
    pages.map((page) => tickerOf(page.results[0]!)),
    contracts,
  );
  assert.equal(client.counters.throttled, 8);
  const cuts = events.filter((event) => event.kind === 'limit');
  assert.deepEqual(
    cuts.map((event) => event.kind === 'limit' && [event.from, event.to]),
    [[8, 4]],
  );
});

test('Retry-After is honoured: no request starts before it has passed', { timeout: 10_000 }, async (t) => {
  const { server, client, events } = await setup(t);
  server.script(CHAIN, { kind: 'status', status: 429, retryAfter: '1' });
  const pages = await collect(client.chainSnapshot('AAPL'));
  assert.equal(tickers(pages).length, 600);
  const [throttled, retried] = server.requestsTo(CHAIN);
  assert.ok(
    retried!.receivedAt - throttled!.receivedAt >= 900,
    `retried after ${Math.round(retried!.receivedAt - throttled!.receivedAt)} ms`,
  );
  assert.ok(events.some((event) => event.kind === 'throttled' && event.retryAfterMs === 1000));
});

test('500, 502 and 503 are retried, and lower the concurrency gently', { timeout: 10_000 }, async (t) => {
  const { server, client, events } = await setup(t, {}, { concurrency: 8 });
  server.script(CHAIN, { kind: 'status', status: 500 }, { kind: 'status', status: 502 }, { kind: 'status', status: 503 });
  const pages = await collect(client.chainSnapshot('AAPL'));
  assert.deepEqual(tickers(pages), fixtureTickers(AAPL));
  const retries = events.filter((event) => event.kind === 'retry');
  assert.deepEqual(
    retries.map((event) => event.kind === 'retry' && event.reason),
    ['server-error', 'server-error', 'server-error'],
  );
  assert.ok(
    retries.some((event) => event.kind === 'retry' && event.detail.includes('502 Bad Gateway')),
    'the proxy page is summarised',
  );
  assert.deepEqual(
    events.flatMap((event) => (event.kind === 'limit' ? [[event.from, event.to, event.reason]] : [])),
    [
      [8, 7, 'failure'],
      [7, 6, 'failure'],
      [6, 5, 'failure'],
    ],
  );
});

test('an answer slower than the timeout is aborted and retried', { timeout: 10_000 }, async (t) => {
  const { server, client, events } = await setup(t, {}, { timeoutMs: 200 });
  // Held past the test's own timeout: only the client's timeout can end this request.
  server.script(CHAIN, { kind: 'slow', delayMs: 60_000 });
  const pages = await collect(client.chainSnapshot('AAPL'));
  assert.deepEqual(tickers(pages), fixtureTickers(AAPL));
  assert.equal(server.requestsTo(CHAIN).length, 4, 'the first page twice, then two more');
  assert.deepEqual(
    events.flatMap((event) => (event.kind === 'retry' ? [event.reason] : [])),
    ['timeout'],
  );
});

test('a call cancelled through its signal stops at once: not retried, not counted as a failure', { timeout: 10_000 }, async (t) => {
  // Neither the answer nor the client's timeout comes before the test's own timeout: only
  // the signal can end this call.
  const { server, client } = await setup(t, {}, { timeoutMs: 60_000 });
  server.script(CHAIN, { kind: 'slow', delayMs: 60_000 });
  const controller = new AbortController();
  const pages = collect(client.chainSnapshot('AAPL', {}, { signal: controller.signal }));
  await until(() => server.requestsTo(CHAIN).length === 1); // the request is in flight
  controller.abort(new Error('shutting down'));
  await assert.rejects(pages, /shutting down/);
  assert.equal(server.requestsTo(CHAIN).length, 1);
  assert.deepEqual(client.counters, { requests: 1, throttled: 0, retries: 0, failures: 0 });
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  const now = Date.parse('2025-11-21T15:00:00Z');
  assert.equal(retryAfterMs('2', now), 2_000);
  assert.equal(retryAfterMs('0.5', now), 500);
  assert.equal(retryAfterMs('Fri, 21 Nov 2025 15:00:30 GMT', now), 30_000);
  assert.equal(retryAfterMs('Fri, 21 Nov 2025 14:00:00 GMT', now), 0);
  assert.equal(retryAfterMs('soon', now), undefined);
  assert.equal(retryAfterMs(null, now), undefined);
});

test('a truncated body, a reset connection and a page of the wrong shape are retried', { timeout: 10_000 }, async (t) => {
  const { server, client, events } = await setup(t);
  server.script(CHAIN, { kind: 'truncated' }, { kind: 'reset' }, { kind: 'bad-shape' });
  const pages = await collect(client.chainSnapshot('AAPL'));
  assert.deepEqual(tickers(pages), fixtureTickers(AAPL));
  assert.deepEqual(
    events.flatMap((event) => (event.kind === 'retry' ? [event.reason] : [])),
    ['network', 'network', 'malformed'],
  );
});

test('malformed JSON is retried; if it persists the call fails after a bounded number of attempts', { timeout: 10_000 }, async (t) => {
  const { server, client } = await setup(t, {}, { retry: { retries: 2 } });
  server.script(CHAIN, { kind: 'malformed' });
  assert.equal(tickers(await collect(client.chainSnapshot('AAPL'))).length, 600);

  const before = server.requestsTo(CHAIN).length;
  server.script(CHAIN, ...Array.from({ length: 10 }, () => ({ kind: 'malformed' }) as const));
  const error = await rejection(collect(client.chainSnapshot('AAPL')));
  assert.equal(error.failure, 'malformed');
  assert.equal(error.attempts, 3);
  assert.match(error.message, /option chain of AAPL .* failed after 3 attempt\(s\)/);
  assert.equal(server.requestsTo(CHAIN).length - before, 3);
  assert.equal(client.counters.failures, 1);
});

test('401: a clear error naming the key, without retries and without the key', { timeout: 10_000 }, async (t) => {
  const { server, client } = await setup(t, {}, { apiKey: 'wrong-key-d41d8c' });
  const error = await rejection(collect(client.chainSnapshot('AAPL')));
  assert.equal(error.code, 'CONFIG_INVALID');
  assert.equal(error.status, 401);
  assert.match(error.message, /the API rejected the key \(401: Unknown API Key\).*check POLYGON_API_KEY/);
  assert.ok(!error.message.includes('wrong-key-d41d8c'));
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0]!.bearer, 'wrong');
  assert.equal(client.counters.retries, 0);
});

test('403: the plan does not include the endpoint, no retries', { timeout: 10_000 }, async (t) => {
  const { server, client } = await setup(t);
  server.script(CHAIN, { kind: 'status', status: 403 });
  const error = await rejection(collect(client.chainSnapshot('AAPL')));
  assert.equal(error.code, 'CONFIG_INVALID');
  assert.match(error.message, /^403: your plan does not include this endpoint/);
  assert.equal(server.requests.length, 1);
});

test('404: an error naming the underlying, no retries', { timeout: 10_000 }, async (t) => {
  const { server, client } = await setup(t);
  const error = await rejection(collect(client.chainSnapshot('ZZZQ')));
  assert.equal(error.failure, 'not-found');
  assert.match(error.message, /not found \(404\): the option chain of ZZZQ/);
  assert.equal(server.requests.length, 1);
  assert.equal(client.counters.retries, 0);
});

test('the request rate holds: request starts are spaced by 1/r, as the server receives them', { timeout: 10_000 }, async (t) => {
  const rate = 10;
  const interval = 1000 / rate;
  const spx = sampleChain('I:SPX', 6);
  const { server, client } = await setup(t, { chains: { 'I:SPX': spx } }, { requestsPerSecond: rate, concurrency: 8 });
  await Promise.all(fixtureTickers(spx).map((ticker) => client.contractSnapshot('I:SPX', ticker)));
  const arrivals = server.requests.map((request) => request.receivedAt).sort((a, b) => a - b);
  assert.equal(arrivals.length, 6);
  // The spacing is the behaviour: without the limiter all six, free to run at once, arrive
  // within a few ms. The bounds leave half an interval for how long each took to arrive.
  const gaps = arrivals.slice(1).map((at, i) => Math.round(at - arrivals[i]!));
  assert.ok(
    gaps.every((gap) => gap >= interval / 2),
    `gaps between arrivals: ${gaps.join(', ')} ms`,
  );
  assert.ok(arrivals.at(-1)! - arrivals[0]! >= (arrivals.length - 1.5) * interval, `gaps between arrivals: ${gaps.join(', ')} ms`);
});

test('fractional rates are accepted: the free tier is 5 requests a minute', () => {
  assert.equal(RequestLimiter.intervalMs(5 / 60), 12_000);
  const client = new PolygonClient({ apiKey: KEY, requestsPerSecond: 0.083 });
  assert.equal(client.settings.requestsPerSecond, 0.083);
  client.close();
});

test('the contracts reference: pages of 1000, and expired=true passed through', { timeout: 10_000 }, async (t) => {
  const all = referenceContracts('SPY', 2400);
  const { server, client } = await setup(t, { contracts: all, today: '2025-11-21' });
  const asOf = '2026-03-01';
  const expired = await collect(client.contracts({ underlying_ticker: 'SPY', expired: true, as_of: asOf }));
  const wanted = all.filter((contract) => contract.expiration_date < asOf).map((contract) => contract.ticker);
  assert.ok(wanted.length > 1000 && wanted.length < all.length);
  assert.deepEqual(
    expired.map((page) => page.results.length),
    [1000, wanted.length - 1000],
  );
  assert.deepEqual(
    expired.flatMap((page) => page.results.map((result) => (result as { ticker: string }).ticker)),
    wanted,
  );
  const first = server.requests[0]!;
  assert.equal(first.path, '/v3/reference/options/contracts');
  assert.deepEqual(first.query, { underlying_ticker: 'SPY', expired: 'true', as_of: asOf, limit: '1000' });

  const active = await collect(client.contracts({ underlying_ticker: 'SPY', as_of: asOf }));
  assert.equal(
    active.reduce((sum, page) => sum + page.results.length, 0),
    all.length - wanted.length,
  );
});

test('a missing POLYGON_API_KEY is a CONFIG_INVALID error that says how to set it', () => {
  assert.throws(
    () => new PolygonClient({ env: {} }),
    (error: unknown) =>
      error instanceof OptdbError &&
      error.code === 'CONFIG_INVALID' &&
      /POLYGON_API_KEY/.test(error.message) &&
      /export POLYGON_API_KEY=/.test(error.remedy ?? ''),
  );
  const client = new PolygonClient({ env: { POLYGON_API_KEY: ' from-env ' } });
  client.close();
});

test('a bad option names the option, the rule and the value', () => {
  assert.throws(
    () => new PolygonClient({ apiKey: KEY, requestsPerSecond: -1 }),
    /Expected `requestsPerSecond` to be a finite number > 0, got `-1` \(number\)/,
  );
  assert.throws(() => new PolygonClient({ apiKey: KEY, concurrency: 0 }), /Expected `concurrency` to be an integer >= 1, got `0`/);
  assert.throws(() => new PolygonClient({ apiKey: KEY, baseUrl: 'ftp://example.com' }), /Expected `baseUrl`/);
});
