/**
 * The /v1 analytics endpoints under hostile input, as the Polygon-shaped routes are
 * (serve.hostile.test.ts): SQL in every parameter, limits out of range, malformed dates,
 * times and tickers, forged and misused cursors. Every refusal is a 400 in the error shape
 * naming the parameter, nothing of the server's internals shows, the data is untouched,
 * and the statements run under the statement timeout.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { serveApi } from '../src/index.js';
import { TestDatabases } from './harness/database.js';
import { type ServedHistory, serveHistory } from './harness/served-history.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-serve-analytics-hostile-');
let history: ServedHistory;
let contract: string;

before(async () => {
  history = await serveHistory(databases, dir, 'serve_analytics_hostile');
  contract = JSON.parse(history.firstChain[0]!).details.ticker;
});
after(async () => {
  await history?.server.close();
  await databases.dropAll();
});

async function get(path: string, base = history.server.url) {
  const response = await fetch(`${base}${path}`);
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) };
}

async function refused(path: string, status: number, message: RegExp): Promise<void> {
  const answer = await get(path);
  assert.equal(answer.status, status, `${path}: ${answer.text}`);
  assert.equal(answer.body.status, 'ERROR', answer.text);
  assert.match(answer.body.request_id, /^[0-9a-f]{32}$/);
  assert.match(answer.body.error, message, path);
  assert.doesNotMatch(
    answer.text,
    /\bat .*\.(?:ts|js):\d+|node_modules|SELECT|option_snapshots|stack/i,
    `${path} leaks internals: ${answer.text}`,
  );
}

const INJECTIONS = ["' OR '1'='1", '1; DROP TABLE options; --', "AAPL') UNION SELECT * FROM pg_shadow --", '$1', "2025-11-20'::date; --"];

/** Each endpoint with a valid request, and the query parameters it takes. */
const endpoints = () => [
  { path: `/v1/contracts/${contract}/history`, given: '', names: ['from', 'to', 'limit', 'cursor'] },
  { path: '/v1/underlyings/AAPL/smile', given: 'expiration_date=2025-12-19', names: ['expiration_date', 'as_of'] },
  { path: '/v1/underlyings/AAPL/term-structure', given: '', names: ['as_of'] },
  { path: '/v1/underlyings/AAPL/open-interest', given: '', names: ['expiration_date', 'as_of'] },
  { path: '/v1/underlyings/AAPL/expirations', given: '', names: ['as_of'] },
  { path: '/v1/most-active', given: '', names: ['date', 'underlying', 'limit'] },
  { path: '/v1/unusual-volume', given: '', names: ['date', 'underlying', 'limit'] },
];

test('SQL in every parameter of every analytics endpoint is refused as a bad value, and the tables are untouched', async () => {
  const counts = 'SELECT (SELECT count(*) FROM options)::int AS o, (SELECT count(*) FROM option_snapshots)::int AS s';
  const before = await query(history.config.databaseUrl!, counts);
  for (const { path, given, names } of endpoints()) {
    assert.equal((await get(`${path}?${given}`)).status, 200, path);
    for (const injection of INJECTIONS) {
      for (const name of names) {
        const others = given.startsWith(`${name}=`) ? '' : given;
        await refused(
          `${path}?${others}${others ? '&' : ''}${name}=${encodeURIComponent(injection)}`,
          400,
          name === 'cursor' ? /^cursor: not a cursor this server handed out/ : new RegExp(`^parameter ${name}: `),
        );
      }
    }
  }
  for (const injection of INJECTIONS.map(encodeURIComponent)) {
    await refused(`/v1/underlyings/${injection}/term-structure`, 400, /^path parameter underlying: must be an underlying ticker/);
    await refused(`/v1/contracts/${injection}/history`, 400, /^path parameter optionContract: must be an option ticker/);
  }
  assert.deepEqual(await query(history.config.databaseUrl!, counts), before);
});

test('limits: above the maximum, zero, negative, huge, fractional, not a number', async () => {
  await refused(`/v1/contracts/${contract}/history?limit=50001`, 400, /^parameter limit: must be at most 50000$/);
  await refused('/v1/most-active?limit=1001', 400, /^parameter limit: must be at most 1000$/);
  await refused('/v1/unusual-volume?limit=1001', 400, /^parameter limit: must be at most 1000$/);
  for (const limit of ['0', '-1', '99999999999999999999999', '1e309', '2.5', 'ten', '', '0x10']) {
    await refused(`/v1/most-active?limit=${encodeURIComponent(limit)}`, 400, /^parameter limit: must be/);
    await refused(`/v1/contracts/${contract}/history?limit=${encodeURIComponent(limit)}`, 400, /^parameter limit: must be/);
  }
  assert.equal((await get('/v1/most-active?limit=1000')).status, 200);
  assert.equal((await get(`/v1/contracts/${contract}/history?limit=50000`)).status, 200);
});

test('malformed and missing dates and times; a range that ends before it starts', async () => {
  for (const date of ['2025-02-30', '2025-13-01', '25-11-20', 'yesterday', '2025-1-2']) {
    await refused(`/v1/underlyings/AAPL/smile?expiration_date=${date}`, 400, /^parameter expiration_date: must be a date as YYYY-MM-DD$/);
    await refused(`/v1/most-active?date=${date}`, 400, /^parameter date: must be a date as YYYY-MM-DD$/);
  }
  await refused('/v1/underlyings/AAPL/smile', 400, /^parameter expiration_date: is required: a date as YYYY-MM-DD$/);
  await refused('/v1/underlyings/AAPL/smile?expiration_date=2025-12-19&expiration_date=2025-12-26', 400, /^parameter expiration_date: /);
  for (const time of ['2025-11-20T25:00:00Z', '2025-11-20T15:30:00', '1763652600', 'now']) {
    const value = encodeURIComponent(time);
    await refused(
      `/v1/underlyings/AAPL/term-structure?as_of=${value}`,
      400,
      /^parameter as_of: must be a date \(YYYY-MM-DD\) or a time with a zone/,
    );
    await refused(
      `/v1/contracts/${contract}/history?from=${value}`,
      400,
      /^parameter from: must be a date \(YYYY-MM-DD\) or a time with a zone/,
    );
  }
  await refused(`/v1/contracts/${contract}/history?from=2025-11-21&to=2025-11-20`, 400, /^from \(2025-11-21\) is after to \(2025-11-20\)$/);
  await refused('/v1/underlyings/aapl/smile?expiration_date=2025-12-19', 400, /^path parameter underlying:/);
  await refused('/v1/contracts/O:AAPL251321C00150000/history', 400, /^path parameter optionContract: must be an option ticker/);
});

test('history cursors: forged, from another endpoint or contract, or another server, are refused', async () => {
  const first = await get(`/v1/contracts/${contract}/history?limit=1`);
  assert.equal(first.status, 200);
  assert.equal(first.body.results.length, 1);
  const cursor = new URL(first.body.next_url).searchParams.get('cursor')!;
  assert.equal((await get(`/v1/contracts/${contract}/history?cursor=${encodeURIComponent(cursor)}`)).status, 200);

  const [payload, signature] = cursor.split('.') as [string, string];
  const altered = JSON.parse(Buffer.from(payload, 'base64url').toString());
  altered.limit = 50_000;
  altered.since = '0';
  for (const forged of [`${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`, `${payload}.`, 'abc']) {
    await refused(
      `/v1/contracts/${contract}/history?cursor=${encodeURIComponent(forged)}`,
      400,
      /^cursor: not a cursor this server handed out/,
    );
  }
  const other = JSON.parse(history.firstChain[1]!).details.ticker;
  await refused(
    `/v1/contracts/${other}/history?cursor=${encodeURIComponent(cursor)}`,
    400,
    new RegExp(`^cursor: it continues the history of ${contract}, not ${other}$`),
  );
  await refused(
    `/v3/snapshot/options/AAPL?cursor=${encodeURIComponent(cursor)}`,
    400,
    /^cursor: not a cursor this server handed out for this endpoint/,
  );
  const chainPage = await get('/v3/snapshot/options/AAPL?limit=1');
  const chainCursor = new URL(chainPage.body.next_url).searchParams.get('cursor')!;
  await refused(
    `/v1/contracts/${contract}/history?cursor=${encodeURIComponent(chainCursor)}`,
    400,
    /^cursor: not a cursor this server handed out for this endpoint/,
  );

  const another = await serveApi(history.config, { listen: { host: '127.0.0.1', port: 0 } });
  try {
    assert.equal((await get(`/v1/contracts/${contract}/history?cursor=${encodeURIComponent(cursor)}`, another.url)).status, 400);
  } finally {
    await another.close();
  }
});

test('analytics requests stuck behind a lock end at the statement timeout with a 503', async () => {
  const server = await serveApi(history.config, { listen: { host: '127.0.0.1', port: 0 }, statementTimeoutMs: 200 });
  const locker = new pg.Client({ connectionString: history.config.databaseUrl! });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE options, option_snapshots IN ACCESS EXCLUSIVE MODE');
    for (const { path, given } of endpoints()) {
      const answer = await get(`${path}?${given}`, server.url);
      assert.equal(answer.status, 503, `${path}: ${answer.text}`);
      assert.match(answer.body.error, /^the query ran longer than 200 ms and was cancelled/);
    }
  } finally {
    await locker.query('ROLLBACK');
    await locker.end();
    await server.close();
  }
});
