/**
 * `optdb poll` as a user runs it: the built CLI against the test Polygon server (a real
 * local HTTP server speaking the documented format) and a real PostgreSQL — what is
 * stored, what the cycle line and the JSON say, the faults the API can throw at it, the
 * key never printed, Ctrl-C, and one end-to-end run into the embedded server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { EmbeddedServer } from '../src/db/embedded-server.js';
import { collect, type CliResult, runCli, spawnCli } from './harness/cli.js';
import { TestDatabases, type TestDatabase } from './harness/database.js';
import { DOCUMENTED_RESULT, sampleChain } from './harness/polygon-fixtures.js';
import { type Fault, PolygonServer } from './harness/polygon-server.js';
import { freePort } from './harness/ports.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';
import { samples } from './harness/prometheus.js';

const KEY = 'cli-key-3b8e51d0';
const CHAINS = {
  AAPL: sampleChain('AAPL', 600),
  SPY: sampleChain('SPY', 120),
  'I:SPX': [DOCUMENTED_RESULT, ...sampleChain('I:SPX', 40)],
};
const ALL = Object.values(CHAINS).flat();
const UNDERLYINGS = 'AAPL,SPY,I:SPX';
const CAPTURED_AT = '2026-11-27T15:05:00Z';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-poll-cli-');
after(() => databases.dropAll());

const tickerOf = (text: string): string => (JSON.parse(text) as { details: { ticker: string } }).details.ticker;
const tickersOf = (texts: readonly string[]): string[] => texts.map(tickerOf).sort();

interface Setup {
  server: PolygonServer;
  db: TestDatabase;
  poll(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
}

async function setup(t: TestContext): Promise<Setup> {
  const server = await PolygonServer.start({ apiKey: KEY, chains: CHAINS });
  t.after(() => server.close());
  const db = await databases.migrated('poll_cli');
  const poll = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli(['poll', '--base-url', server.baseUrl, ...args], {
      DATABASE_URL: db.url,
      POLYGON_API_KEY: KEY,
      POLYGON_BASE_URL: undefined,
      ...env,
    });
  return { server, db, poll };
}

/** A repeating poll running in the background, its output as it comes, and a way to wait for it. */
function startPoll(t: TestContext, { server, db }: Setup, args: string[], env: Record<string, string> = {}) {
  const child = spawnCli(['poll', '--base-url', server.baseUrl, '--underlyings', UNDERLYINGS, '--every', '1s', '--json', ...args], {
    DATABASE_URL: db.url,
    POLYGON_API_KEY: KEY,
    POLYGON_BASE_URL: undefined,
    ...env,
  });
  t.after(() => void child.kill('SIGKILL'));
  const done = collect(child, 50_000);
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk) => (output.stdout += chunk));
  child.stderr?.on('data', (chunk) => (output.stderr += chunk));
  const waitFor = async (what: string, ready: () => boolean) => {
    for (let i = 0; i < 2_000 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(ready(), `timed out waiting for ${what}: ${output.stderr}`);
  };
  return { child, done, output, waitFor };
}

async function storedTickers(db: TestDatabase, capturedAt = CAPTURED_AT): Promise<string[]> {
  const rows = await query(db.url, 'SELECT ticker FROM option_snapshots WHERE captured_at = $1 ORDER BY ticker', [capturedAt]);
  return rows.map((row) => row.ticker);
}

function assertKeyNotPrinted(result: CliResult, key = KEY): void {
  assert.ok(!result.stdout.includes(key) && !result.stderr.includes(key), 'the API key was printed');
}

const cycleJson = (result: CliResult): Record<string, any>[] =>
  result.stdout
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));

test('poll --once stores exactly the served chains, in batch statements, and a rerun changes nothing', { timeout: 60_000 }, async (t) => {
  const { server, db, poll } = await setup(t);
  const metricsFile = path.join(dir.path, 'once.prom');
  const args = ['--once', '--underlyings', UNDERLYINGS, '--captured-at', CAPTURED_AT, '--json', '--metrics-file', metricsFile];
  const first = await poll(args);
  assert.equal(first.code, 0, first.stderr);
  assertKeyNotPrinted(first);
  assert.equal(server.requestsTo('/v3/snapshot/options/AAPL').length, 3, '600 results came in 3 pages');
  assert.ok(server.requests.every((request) => request.bearer === 'valid' && !request.keyInQuery));

  assert.deepEqual(await storedTickers(db), tickersOf(ALL));
  const [cycle] = cycleJson(first);
  assert.equal(cycle!.capturedAt, '2026-11-27T15:05:00.000000Z');
  assert.deepEqual(
    [cycle!.underlyings, cycle!.contracts, cycle!.rowsWritten, cycle!.rejected, cycle!.requests, cycle!.throttled, cycle!.failed],
    [3, ALL.length, ALL.length, 0, 5, 0, []],
  );
  const [facts] = await query(
    db.url,
    `SELECT quote_at::text, last_trade_at::text, day_vwap::text, underlying_price::text, day_volume::text, open_interest::text, implied_volatility
       FROM option_snapshots WHERE ticker = 'O:SPXW230712C04500000'`,
  );
  assert.deepEqual(facts, {
    quote_at: '2023-07-12 15:00:23.516476+00',
    last_trade_at: '2023-07-12 15:00:23.261703+00',
    day_vwap: '2.5245',
    underlying_price: '4483.78',
    day_volume: '41840',
    open_interest: '4501',
    implied_volatility: 0.1186,
  });

  // The database was sent batch statements only: a handful of batches for 761 rows.
  const metrics = samples(await fs.readFile(metricsFile, 'utf8'));
  const batches = metrics.get('optdb_batch_duration_seconds_count{strategy="copy"}')!;
  assert.ok(batches >= 1 && batches <= 8, `${batches} batches for ${ALL.length} rows`);
  assert.equal(metrics.get('optdb_rows_written_total{outcome="inserted"}'), ALL.length);
  assert.equal(metrics.get('optdb_api_requests_total{outcome="ok"}'), 5);
  assert.equal(metrics.get('optdb_poll_cycles_total'), 1);

  const versions = `SELECT md5(string_agg(ticker || ':' || xmin::text, ',' ORDER BY ticker)) AS v, count(*)::int AS n FROM option_snapshots`;
  const before = await query(db.url, versions);
  const rerun = await poll(args);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(await query(db.url, versions), before, 'the same cycle again: no row added, none rewritten');
  assert.equal(samples(await fs.readFile(metricsFile, 'utf8')).get('optdb_rows_written_total{outcome="unchanged"}'), ALL.length);
});

test(
  '429 bursts, 500s, a slow answer past --timeout and malformed JSON: retried, every row stored, counted in the line',
  { timeout: 60_000 },
  async (t) => {
    const { server, db, poll } = await setup(t);
    const throttled: Fault = { kind: 'status', status: 429 };
    server.script('/v3/snapshot/options/AAPL', throttled, throttled);
    server.script('/v3/snapshot/options/SPY', { kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    // Held past the test's own timeout: only --timeout can end that request.
    server.script('/v3/snapshot/options/I:SPX', { kind: 'slow', delayMs: 120_000 }, { kind: 'malformed' });
    const result = await poll(['--once', '--underlyings', UNDERLYINGS, '--captured-at', CAPTURED_AT, '--timeout', '500ms']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await storedTickers(db), tickersOf(ALL));

    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /^2026-11-27T15:05:00Z {2}3 underlyings {2}761 contracts {2}761 rows written {2}0 rejected {2}11 requests \(6 retries, 2 × 429\) {2}\d+\.\d s$/,
    );
    // One line for the 429 burst (the cycle line counts them), one per other retry.
    assert.equal(result.stderr.match(/429 Too Many Requests on GET \/v3\/snapshot\/options\/AAPL/g)?.length, 1, result.stderr);
    assert.match(result.stderr, /HTTP 500: Internal Server Error on GET \/v3\/snapshot\/options\/SPY; retrying/);
    assert.match(result.stderr, /HTTP 503: .*503 Service Unavailable.* on GET \/v3\/snapshot\/options\/SPY; retrying/);
    assert.match(result.stderr, /no complete answer within 500 ms .* on GET \/v3\/snapshot\/options\/I:SPX; retrying/);
    assert.match(result.stderr, /not JSON .* on GET \/v3\/snapshot\/options\/I:SPX; retrying/);
    assert.equal(server.requestsTo('/v3/snapshot/options/I:SPX').length, 3);
    assertKeyNotPrinted(result);
  },
);

test('a chain that keeps failing: that underlying is reported, the others stored, exit 1 with --once', { timeout: 60_000 }, async (t) => {
  const { server, db, poll } = await setup(t);
  server.script('/v3/snapshot/options/SPY', ...Array.from({ length: 5 }, (): Fault => ({ kind: 'malformed' })));
  const result = await poll(['--once', '--underlyings', UNDERLYINGS, '--captured-at', CAPTURED_AT, '--retries', '2']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /3 underlyings \(1 failed\) {2}641 contracts {2}641 rows written/);
  assert.match(
    result.stderr,
    /skipped SPY this cycle: the option chain of SPY \(GET .*\) failed after 3 attempt\(s\); the last: HTTP 200: the body is not JSON/,
  );
  assert.equal(server.requestsTo('/v3/snapshot/options/SPY').length, 3);
  assert.deepEqual(await storedTickers(db), tickersOf([...CHAINS.AAPL, ...CHAINS['I:SPX']]));
});

test(
  'a 403 for one underlying (an index the plan does not cover): it is skipped, the others stored; 403 for all stops the poll',
  { timeout: 60_000 },
  async (t) => {
    const { server, db, poll } = await setup(t);
    const forbidden = Array.from({ length: 10 }, () => ({ kind: 'status', status: 403 }) as Fault);
    server.script('/v3/snapshot/options/I:SPX', ...forbidden);
    const result = await poll(['--once', '--underlyings', UNDERLYINGS, '--captured-at', CAPTURED_AT]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /skipped I:SPX this cycle: 403: your plan does not include this endpoint/);
    assert.match(result.stdout, /3 underlyings \(1 failed\)/);
    assert.deepEqual(await storedTickers(db), tickersOf([...CHAINS.AAPL, ...CHAINS.SPY]));

    for (const underlying of ['AAPL', 'SPY']) server.script(`/v3/snapshot/options/${underlying}`, ...forbidden);
    const all = await poll(['--once', '--underlyings', UNDERLYINGS, '--captured-at', '2026-11-27T15:10:00Z']);
    assert.equal(all.code, 1, all.stderr);
    assert.match(all.stderr, /^optdb: 403: your plan does not include this endpoint/m);
    assert.equal(all.stdout, '');
  },
);

test('a bad ticker in --underlyings is a bad command line: exit 2 naming it, for poll and contracts sync', async () => {
  for (const command of [
    ['poll', '--once'],
    ['contracts', 'sync'],
  ]) {
    const result = await runCli([...command, '--underlyings', 'AAPL,BAD$'], { POLYGON_API_KEY: KEY });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /Invalid underlying "BAD\$" at --underlyings/);
  }
});

test('a repeated next_url cursor stops that chain, its pages before stored, and is reported', { timeout: 60_000 }, async (t) => {
  const { server, db, poll } = await setup(t);
  server.script('/v3/snapshot/options/AAPL', { kind: 'ok' }, { kind: 'repeat-cursor' });
  const result = await poll(['--once', '--underlyings', UNDERLYINGS, '--captured-at', CAPTURED_AT]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /the API repeated a next_url cursor on GET \/v3\/snapshot\/options\/AAPL: pagination stopped there/);
  assert.equal(server.requestsTo('/v3/snapshot/options/AAPL').length, 2);
  assert.deepEqual(await storedTickers(db), tickersOf([...CHAINS.AAPL.slice(0, 500), ...CHAINS.SPY, ...CHAINS['I:SPX']]));
});

test(
  'a wrong key: exit 1, one clear line naming POLYGON_API_KEY, the key never shown; a missing key: the remedy',
  { timeout: 60_000 },
  async (t) => {
    const { server, db, poll } = await setup(t);
    const wrong = 'wrong-key-99f0a4c2';
    const refused = await poll(['--once', '--underlyings', UNDERLYINGS], { POLYGON_API_KEY: wrong });
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '');
    const [line, remedy, ...rest] = refused.stderr.trim().split('\n');
    assert.match(
      line!,
      /^optdb: the API rejected the key \(401: Unknown API Key\) for the option chain of \S+ \(GET .*\): check POLYGON_API_KEY$/,
    );
    assert.match(remedy!, /Set POLYGON_API_KEY to the key on your Polygon\.io \(Massive\) dashboard/);
    assert.deepEqual(rest, []);
    assertKeyNotPrinted(refused, wrong);
    assert.ok(server.requests.length <= 3 && server.requests.every((request) => request.bearer === 'wrong'), 'no retries of a refused key');
    assert.equal((await query(db.url, 'SELECT count(*)::int AS n FROM option_snapshots'))[0].n, 0);

    const before = server.requests.length;
    const missing = await poll(['--once', '--underlyings', UNDERLYINGS], { POLYGON_API_KEY: undefined });
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^optdb: POLYGON_API_KEY is not set: the Polygon API needs a key\n {2}Set POLYGON_API_KEY .* `export POLYGON_API_KEY=your-key`/,
    );
    assert.equal(server.requests.length, before, 'nothing was sent without a key');
  },
);

test('Ctrl-C during a poll: the current cycle writes what it fetched, prints its line and exits 130', { timeout: 60_000 }, async (t) => {
  const running = await setup(t);
  const { server, db } = running;
  // Cycle 1 reads AAPL's three pages; in cycle 2 its second page hangs.
  server.script(
    '/v3/snapshot/options/AAPL',
    { kind: 'ok' },
    { kind: 'ok' },
    { kind: 'ok' },
    { kind: 'ok' },
    { kind: 'slow', delayMs: 30_000 },
  );
  const { child, done, output, waitFor } = startPoll(t, running, ['--metrics-listen', '0']);
  await waitFor('the first cycle line', () => output.stdout.includes('\n'));
  await waitFor('the hanging page of cycle 2', () => server.requests.some((request) => request.fault === 'slow'));
  // Cycle 2's pages other than the hanging one are in the write buffer: it has been handed
  // every row of cycle 1 and those (optdb_rows_read_total counts rows handed to it).
  const fetched = [...CHAINS.AAPL.slice(0, 250), ...CHAINS.SPY, ...CHAINS['I:SPX']];
  const url = /metrics at (http:\S+)/.exec(output.stderr)?.[1];
  assert.ok(url, output.stderr);
  let handed = 0;
  for (let i = 0; i < 1_000 && handed !== ALL.length + fetched.length; i++) {
    handed = samples(await (await fetch(url)).text()).get('optdb_rows_read_total') ?? 0;
    if (handed !== ALL.length + fetched.length) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(handed, ALL.length + fetched.length, 'rows handed to the write buffer');
  child.kill('SIGINT');
  const result = await done;

  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stderr, /SIGINT received/);
  const [first, second, ...rest] = cycleJson(result);
  assert.deepEqual(rest, []);
  assert.equal(first!.interrupted, false);
  assert.equal(first!.rowsWritten, ALL.length);
  assert.equal(second!.interrupted, true);
  assert.equal(second!.rowsWritten, fetched.length);
  assert.deepEqual(await storedTickers(db, first!.capturedAt), tickersOf(ALL));
  assert.deepEqual(await storedTickers(db, second!.capturedAt), tickersOf(fetched));
});

test(
  '--limit-file: editing the file while the poll runs moves the write limit there in steps; nonsense is ignored',
  { timeout: 60_000 },
  async (t) => {
    const limitFile = path.join(dir.path, 'write-limit');
    await fs.writeFile(limitFile, '3\n'); // present at the start: the limit the poll already has
    const { child, done, output, waitFor } = startPoll(t, await setup(t), ['--limit-file', limitFile], {
      OPTDB_WRITE_CONCURRENCY: '3',
      OPTDB_LIMIT_STEP_FRACTION: '0.34', // one batch per step from 3
      OPTDB_LIMIT_STEP_INTERVAL_MS: '200',
    });
    await waitFor('the first cycle line', () => output.stdout.includes('\n'));
    await fs.writeFile(limitFile, '1\n');
    await waitFor('the limit reaching 1', () => /write limit 2 → 1/.test(output.stderr));
    await fs.writeFile(limitFile, 'fast please\n');
    await waitFor('the nonsense reported', () => /says "fast please": expected the number of batches/.test(output.stderr));
    await fs.writeFile(limitFile, '11\n');
    await waitFor('the limit above the pool reported', () => /says "11": above the pool size 10/.test(output.stderr));
    child.kill('SIGINT');
    const result = await done;

    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /asks for 1 batches written at once/);
    // Steps of one per interval, in order, never straight from 3 to 1.
    const steps = [...result.stderr.matchAll(/write limit (\d+) → (\d+) \(a requested change/g)].map((m) => `${m[1]}→${m[2]}`);
    assert.deepEqual(steps, ['3→2', '2→1']);
    assert.doesNotMatch(result.stderr, /asks for 3 batches/, 'the limit the poll started with is not a change');
    assert.ok(cycleJson(result).length >= 1);
    assert.ok(cycleJson(result).every((cycle) => cycle.rejected === 0));
  },
);

test('--metrics-listen: a running poll is scraped between cycles; the endpoint closes with it', { timeout: 60_000 }, async (t) => {
  const setUp = await setup(t);
  const startedAt = Date.now() / 1000;
  const { child, done, output, waitFor } = startPoll(t, setUp, ['--metrics-listen', '0']);
  await waitFor('the first cycle line', () => output.stdout.includes('\n'));
  const url = /metrics at (http:\S+)/.exec(output.stderr)?.[1];
  assert.ok(url, output.stderr);
  const scraped = samples(await (await fetch(url)).text());
  const scrapedAt = Date.now() / 1000;
  child.kill('SIGINT');
  const result = await done;

  assert.equal(result.code, 130, result.stderr);
  const [first] = cycleJson(result);
  assert.ok(scraped.get('optdb_poll_cycles_total')! >= 1);
  assert.ok(scraped.get('optdb_api_requests_total{outcome="ok"}')! >= first!.requests);
  assert.ok(scraped.get('optdb_rows_written_total{outcome="inserted"}')! >= first!.rowsWritten);
  // A cycle of this poll: it ended after the poll started and before the scrape.
  const lastCycleEnd = scraped.get('optdb_poll_last_cycle_end_timestamp_seconds')!;
  assert.ok(
    startedAt <= lastCycleEnd && lastCycleEnd <= scrapedAt,
    `last cycle ended at ${lastCycleEnd}, poll started at ${startedAt}, scraped at ${scrapedAt}`,
  );
  assert.ok(scraped.has('nodejs_eventloop_lag_seconds'), 'the process metrics are served too');
  await assert.rejects(fetch(url), 'the endpoint closes with the poll');
});

test('end to end into the embedded database: optdb migrate, then poll --once, with no DATABASE_URL', { timeout: 90_000 }, async (t) => {
  const server = await PolygonServer.start({ apiKey: KEY, chains: CHAINS });
  t.after(() => server.close());
  const dataDir = path.join(dir.path, 'embedded');
  await fs.mkdir(dataDir, { mode: 0o755 });
  await fs.chmod(dir.path, 0o755); // the server runs as the postgres OS user when the tests run as root
  t.after(() => new EmbeddedServer(dataDir, 1).stop().catch(() => undefined));
  const env = {
    DATABASE_URL: undefined,
    OPTDB_DATA_DIR: undefined,
    OPTDB_EMBEDDED_PORT: String(await freePort()),
    POLYGON_API_KEY: KEY,
    POLYGON_BASE_URL: server.baseUrl,
  };

  const migrated = await runCli(['--data-dir', dataDir, 'migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  const polled = await runCli(['--data-dir', dataDir, 'poll', '--once', '--underlyings', UNDERLYINGS], env);
  assert.equal(polled.code, 0, polled.stderr);
  assert.match(
    polled.stdout,
    /^\S+Z {2}3 underlyings {2}761 contracts {2}761 rows written {2}0 rejected {2}5 requests \(0 retries, 0 × 429\)/,
  );
  assertKeyNotPrinted(polled);

  const started = await runCli(['--data-dir', dataDir, 'db', 'start'], env);
  assert.equal(started.code, 0, started.stderr);
  const url = await new EmbeddedServer(dataDir, 1).url();
  const rows = await query(url, 'SELECT ticker FROM option_snapshots ORDER BY ticker');
  assert.deepEqual(
    rows.map((row) => row.ticker),
    tickersOf(ALL),
  );
  const [facts] = await query(url, `SELECT quote_at::text, day_vwap::text FROM option_snapshots WHERE ticker = 'O:SPXW230712C04500000'`);
  assert.deepEqual(facts, { quote_at: '2023-07-12 15:00:23.516476+00', day_vwap: '2.5245' });
  const stopped = await runCli(['--data-dir', dataDir, 'db', 'stop'], env);
  assert.equal(stopped.stdout.trim(), 'stopped');
});
