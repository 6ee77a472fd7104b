/**
 * `serveApi` under hostile input: SQL in every parameter, limits out of range, malformed
 * dates and tickers, forged and misused cursors, a very long URL, other origins, missing
 * and wrong tokens. Every refusal is a 4xx in Polygon's error shape with a message naming
 * the parameter and nothing of the server's internals; the data is untouched; every
 * request's statements run read-only under a statement timeout.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createPool, OptdbError, resolveConfig, serveApi } from '../src/index.js';
import { readOnly } from '../src/serve/read-only.js';
import { TestDatabases } from './harness/database.js';
import { type ServedHistory, serveHistory } from './harness/served-history.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-serve-hostile-');
let history: ServedHistory;
const serverErrors: Error[] = [];

before(async () => {
  history = await serveHistory(databases, dir, 'serve_hostile', { onError: (error) => serverErrors.push(error) });
});
after(async () => {
  await history?.server.close();
  await databases.dropAll();
});

const CHAIN = '/v3/snapshot/options/AAPL';
const CONTRACTS = '/v3/reference/options/contracts';
const AGGS = '/v2/aggs/ticker/O:SPXW230712C04500000/range/1/day';

async function get(path: string, headers: Record<string, string> = {}, base = history.server.url) {
  const response = await fetch(`${base}${path}`, { headers });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** A refusal in Polygon's shape, with a message and nothing of the server's internals. */
async function refused(path: string, status: number, message: RegExp, headers: Record<string, string> = {}): Promise<void> {
  const answer = await get(path, headers);
  assert.equal(answer.status, status, `${path}: ${answer.text}`);
  assert.equal(answer.body?.status, status === 404 ? 'NOT_FOUND' : 'ERROR', answer.text);
  assert.match(answer.body.request_id, /^[0-9a-f]{32}$/);
  assert.match(answer.body.error, message, path);
  assert.doesNotMatch(
    answer.text,
    /\bat .*\.(?:ts|js):\d+|node_modules|SELECT|option_snapshots|stack/i,
    `${path} leaks internals: ${answer.text}`,
  );
}

const INJECTIONS = ["' OR '1'='1", '1; DROP TABLE options; --', "AAPL') UNION SELECT * FROM pg_shadow --", '$1', "2025-11-20'::date; --"];

test('SQL in every parameter is refused as a bad value, and the tables are untouched', async () => {
  const before = await query(
    history.config.databaseUrl!,
    'SELECT (SELECT count(*) FROM options)::int AS o, (SELECT count(*) FROM option_snapshots)::int AS s',
  );
  const chainParameters = [
    'as_of',
    'contract_type',
    'sort',
    'order',
    'limit',
    'cursor',
    ...['strike_price', 'expiration_date'].flatMap((name) => ['', '.gt', '.gte', '.lt', '.lte'].map((suffix) => `${name}${suffix}`)),
  ];
  for (const injection of INJECTIONS) {
    const value = encodeURIComponent(injection);
    for (const name of chainParameters)
      await refused(`${CHAIN}?${name}=${value}`, 400, new RegExp(`^(parameter ${name.replace('.', '\\.')}|cursor):`));
    for (const name of ['underlying_ticker', 'as_of', 'expired', 'strike_price.lte', 'expiration_date.gt']) {
      await refused(`${CONTRACTS}?${name}=${value}`, 400, new RegExp(`^parameter ${name.replace('.', '\\.')}:`));
    }
    await refused(`/v3/snapshot/options/${value}`, 400, /^path parameter underlying: must be an underlying ticker/);
    await refused(`/v3/snapshot/options/I:SPX/${value}`, 400, /^path parameter optionContract: must be an option ticker/);
    await refused(`${AGGS}/${value}/2023-07-31`, 400, /^path parameter from: must be a date/);
  }
  const afterwards = await query(
    history.config.databaseUrl!,
    'SELECT (SELECT count(*) FROM options)::int AS o, (SELECT count(*) FROM option_snapshots)::int AS s',
  );
  assert.deepEqual(afterwards, before);
});

test('limits: above the maximum, zero, negative, huge, fractional, not a number, repeated', async () => {
  await refused(`${CHAIN}?limit=251`, 400, /^parameter limit: must be at most 250$/);
  await refused(`${CONTRACTS}?limit=1001`, 400, /^parameter limit: must be at most 1000$/);
  await refused(`${AGGS}/2023-07-01/2023-07-31?limit=50001`, 400, /^parameter limit: must be at most 50000$/);
  for (const limit of ['0', '-1', '-99999999999999999999', '1e309', '99999999999999999999999', '2.5', 'ten', '', '0x10']) {
    await refused(`${CHAIN}?limit=${encodeURIComponent(limit)}`, 400, /^parameter limit: must be/);
  }
  await refused(`${CHAIN}?limit=1&limit=2`, 400, /^parameter limit:/);
  assert.equal((await get(`${CHAIN}?limit=250`)).status, 200);
  assert.equal((await get(`${CONTRACTS}?limit=1000`)).status, 200);
});

test('malformed dates and times, and a range that ends before it starts', async () => {
  for (const date of ['2025-02-30', '2025-13-01', '25-11-20', '2025-11-20x', 'yesterday', '2025-1-2']) {
    await refused(`${CHAIN}?expiration_date=${date}`, 400, /^parameter expiration_date: must be a date as YYYY-MM-DD$/);
    await refused(`${AGGS}/${date}/2023-07-31`, 400, /^path parameter from: must be a date/);
  }
  for (const asOf of ['2025-11-20T25:00:00Z', '2025-11-20T15:30:00', '1763652600', 'now', '2025-11-20 15:30:00Z']) {
    await refused(
      `${CHAIN}?as_of=${encodeURIComponent(asOf)}`,
      400,
      /^parameter as_of: must be a date \(YYYY-MM-DD\) or a time with a zone/,
    );
  }
  await refused(`${AGGS}/2023-07-31/2023-07-01`, 400, /^from \(2023-07-31\) is after to \(2023-07-01\)$/);
});

test('malformed and unknown tickers', async () => {
  for (const ticker of ['aapl', 'AAPL%00', '%20AAPL', 'TOOLONGUNDERLYINGX']) {
    await refused(`/v3/snapshot/options/${ticker}`, 400, /^path parameter underlying:/);
  }
  for (const contract of ['O:AAPL251321C00150000', 'AAPL251121C00150000', 'O:AAPL251121X00150000']) {
    await refused(`/v3/snapshot/options/AAPL/${contract}`, 400, /^path parameter optionContract: must be an option ticker/);
  }
  await refused(
    '/v3/snapshot/options/AAPL/O:AAPL301220C00150000',
    404,
    /^no snapshot of O:AAPL301220C00150000 \(underlying AAPL\) is stored$/,
  );
  await refused(`/v3/snapshot/options/${'A'.repeat(150)}`, 414, /^a path segment is longer than 100 characters$/);
  await refused('/v3/snapshot/options/%E0%A4%A', 400, /^the URL is not valid$/);
  await refused('/v3/snapshot/options', 404, /^no such endpoint: GET \/v3\/snapshot\/options$/);
});

test('cursors: forged, altered, signed by another server, used on another endpoint or underlying, replayed', async () => {
  const first = await get(`${CHAIN}?limit=5`);
  const cursor = new URL(first.body.next_url).searchParams.get('cursor')!;
  assert.ok(new URL(first.body.next_url).href.startsWith(history.server.url), 'next_url points at this server');

  const replayed = [await get(`${CHAIN}?cursor=${encodeURIComponent(cursor)}`), await get(`${CHAIN}?cursor=${encodeURIComponent(cursor)}`)];
  assert.equal(replayed[0]!.status, 200);
  assert.deepEqual(replayed[0]!.body.results, replayed[1]!.body.results, 'a cursor read twice gives the same page');
  assert.notDeepEqual(replayed[0]!.body.results, first.body.results);

  const [payload, signature] = cursor.split('.') as [string, string];
  const altered = JSON.parse(Buffer.from(payload, 'base64url').toString());
  altered.limit = 250;
  altered.bound = '9999999999999999';
  const forgeries = [
    'abc',
    `${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`,
    `${payload}.${signature.slice(0, -2)}AA`,
    `${payload}.`,
    `${payload}.${signature}.x`,
    "' OR 1=1 --",
  ];
  for (const forged of forgeries) {
    await refused(`${CHAIN}?cursor=${encodeURIComponent(forged)}`, 400, /^cursor: not a cursor this server handed out for this endpoint/);
  }
  await refused(`${CONTRACTS}?cursor=${encodeURIComponent(cursor)}`, 400, /^cursor: not a cursor this server handed out for this endpoint/);
  await refused(
    `/v3/snapshot/options/MSFT?cursor=${encodeURIComponent(cursor)}`,
    400,
    /^cursor: it continues the chain of AAPL, not MSFT$/,
  );

  const other = await serveApi(history.config, { listen: { host: '127.0.0.1', port: 0 } });
  try {
    const answer = await get(`${CHAIN}?cursor=${encodeURIComponent(cursor)}`, {}, other.url);
    assert.equal(answer.status, 400, 'another process signs with another key');
  } finally {
    await other.close();
  }
});

test('a very long URL is refused and the server goes on answering', async () => {
  const long = await fetch(`${history.server.url}${CHAIN}?as_of=${'9'.repeat(20_000)}`);
  assert.equal(long.status, 431);
  await refused(`${CHAIN}?cursor=${'x'.repeat(5_000)}`, 400, /^parameter cursor:/);
  assert.equal((await get(CHAIN)).status, 200);
});

test('no CORS: other origins get no Access-Control headers, preflights are not answered', async () => {
  const answer = await get(CHAIN, { origin: 'https://evil.example' });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('access-control-allow-origin'), null);
  const preflight = await fetch(`${history.server.url}${CHAIN}`, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
  });
  assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  assert.equal(preflight.status, 404);
});

test('beyond loopback a token is required; with one, every request must carry it', async () => {
  await assert.rejects(
    serveApi(history.config, { listen: { host: '0.0.0.0', port: 0 }, env: {} }),
    (error: unknown) => error instanceof OptdbError && error.code === 'CONFIG_INVALID' && /without a token/.test(error.message),
  );
  await assert.rejects(serveApi(history.config, { listen: { host: '127.0.0.1', port: 0 }, token: 'short' }), /at least 16/);

  const token = 'serve-test-token-0123456789abcdef';
  const guarded = await serveApi(history.config, { listen: { host: '0.0.0.0', port: 0 }, env: { OPTDB_API_TOKEN: token } });
  try {
    const local = `http://127.0.0.1:${guarded.address.port}`;
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-0123456789abc' },
      { authorization: token },
      { authorization: `Bearer ${token}x` },
    ]) {
      const answer = await get(CHAIN, headers, local);
      assert.equal(answer.status, 401);
      assert.equal(answer.body.status, 'ERROR');
      assert.doesNotMatch(answer.text, new RegExp(token));
    }
    assert.equal((await get(`${CHAIN}?apiKey=${token}`, {}, local)).status, 401, 'the token is not taken from the URL, where logs keep it');
    assert.equal((await get(CHAIN, { authorization: `Bearer ${token}` }, local)).status, 200);
    assert.equal((await get('/openapi.json', {}, local)).status, 401);
  } finally {
    await guarded.close();
  }
});

test("each request's statements run read-only and are cancelled after the statement timeout", async () => {
  const config = resolveConfig({}, { DATABASE_URL: history.config.databaseUrl! });
  const pool = createPool(config.databaseUrl!, config);
  try {
    await assert.rejects(
      readOnly(pool, 5_000, (read) => read("UPDATE options SET primary_exchange = 'X'", [])),
      (error: any) => error.code === '25006',
    );
    await assert.rejects(
      readOnly(pool, 50, (read) => read('SELECT pg_sleep(2)', [])),
      (error: any) => error.code === '57014',
    );
    const [row] = await readOnly(pool, 5_000, (read) => read<{ statement_timeout: string }>('SHOW statement_timeout', []));
    assert.equal(row!.statement_timeout, '5s');
  } finally {
    await pool.end();
  }
  assert.equal((await query(config.databaseUrl!, "SELECT count(*)::int AS n FROM options WHERE primary_exchange = 'X'"))[0].n, 0);
});

test("a failure of the server's own is a 500 that says only that; the operator gets the error", async () => {
  const url = history.config.databaseUrl!;
  await query(url, 'ALTER TABLE option_day_aggs RENAME TO option_day_aggs_away');
  try {
    await refused(`${AGGS}/2023-07-01/2023-07-31`, 500, /^the request failed on the server$/);
  } finally {
    await query(url, 'ALTER TABLE option_day_aggs_away RENAME TO option_day_aggs');
  }
  assert.equal(serverErrors.length, 1);
  assert.match(serverErrors[0]!.message, /relation "option_day_aggs" does not exist/);
  assert.equal((await get(`${AGGS}/2023-07-01/2023-07-31`)).status, 200);
});

test('requests stuck behind a lock end at the statement timeout, the pool is not exhausted, and the server answers again', async () => {
  const url = history.config.databaseUrl!;
  const config = resolveConfig({}, { DATABASE_URL: url, OPTDB_POOL_SIZE: '3', OPTDB_POOL_ACQUIRE_TIMEOUT_MS: '1000' });
  const server = await serveApi(config, { listen: { host: '127.0.0.1', port: 0 }, statementTimeoutMs: 200 });
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE options IN ACCESS EXCLUSIVE MODE');
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 24 }, () => get(CHAIN, {}, server.url)));
    for (const answer of answers) {
      assert.equal(answer.status, 503, answer.text);
      assert.equal(answer.body.status, 'ERROR');
      assert.match(answer.body.error, /^(the query ran longer than 200 ms and was cancelled|every database connection is busy)/);
    }
    assert.ok(
      answers.some((answer) => /longer than 200 ms/.test(answer.body.error)),
      'the statement timeout cancelled some',
    );
    assert.ok(performance.now() - started < 10_000, 'no request waited beyond the timeouts');
    assert.equal((await get('/openapi.json', {}, server.url)).status, 200, 'what needs no database still answers');
  } finally {
    await locker.query('ROLLBACK');
    await locker.end();
  }
  try {
    const again = await Promise.all(Array.from({ length: 6 }, () => get(CHAIN, {}, server.url)));
    assert.deepEqual(
      again.map((answer) => answer.status),
      Array(6).fill(200),
    );
  } finally {
    await server.close();
  }
});
