/**
 * `optdb poll` flags at the built CLI, against the test Polygon server and a real
 * PostgreSQL: --watchlist, --once --market-hours outside trading hours (the process's
 * clock set by test/harness/clock.ts, so the result does not depend on when the test
 * runs), and a database that fails during a poll — once, and repeating.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import pg from 'pg';
import { type CliResult, collect, runCli, spawnCli } from './harness/cli.js';
import { clockAt } from './harness/clock.js';
import { type TestDatabase, TestDatabases } from './harness/database.js';
import { DOCUMENTED_RESULT, sampleChain } from './harness/polygon-fixtures.js';
import { PolygonServer } from './harness/polygon-server.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const KEY = 'flags-key-5d21c9aa';
const CHAINS = {
  AAPL: sampleChain('AAPL', 300),
  SPY: sampleChain('SPY', 120),
  MSFT: sampleChain('MSFT', 80),
  'I:SPX': [DOCUMENTED_RESULT, ...sampleChain('I:SPX', 40)],
};
const CAPTURED_AT = '2026-11-27T15:05:00Z';
const UNREACHABLE_DATABASE = 'postgresql://postgres@127.0.0.1:1/nowhere';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-poll-flags-');
after(() => databases.dropAll());

const tickersOf = (texts: readonly string[]): string[] =>
  texts.map((text) => (JSON.parse(text) as { details: { ticker: string } }).details.ticker).sort();

async function startServer(t: TestContext): Promise<PolygonServer> {
  const server = await PolygonServer.start({ apiKey: KEY, chains: CHAINS });
  t.after(() => server.close());
  return server;
}

function poll(server: PolygonServer, args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return runCli(['poll', '--base-url', server.baseUrl, ...args], { POLYGON_API_KEY: KEY, POLYGON_BASE_URL: undefined, ...env });
}

const polledPaths = (server: PolygonServer): string[] => [...new Set(server.requests.map((request) => request.path))].sort();

async function storedTickers(db: TestDatabase, table = 'option_snapshots'): Promise<string[]> {
  return (await query(db.url, `SELECT ticker FROM ${table} ORDER BY ticker`)).map((row) => row.ticker);
}

const cycles = (result: { stdout: string }): Record<string, any>[] =>
  result.stdout
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));

test(
  '--watchlist: exactly the underlyings the file names (comments and blank lines ignored), with --underlyings added',
  { timeout: 60_000 },
  async (t) => {
    const server = await startServer(t);
    const db = await databases.migrated('poll_flags');
    const watchlist = await dir.write(
      'watchlist.txt',
      ['# the names we trade', 'aapl   # Apple', '', '  I:SPX, AAPL', '#SPY is not polled', '# MSFT neither'].join('\n') + '\n',
    );

    const result = await poll(server, ['--once', '--watchlist', watchlist, '--captured-at', CAPTURED_AT, '--json'], {
      DATABASE_URL: db.url,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(polledPaths(server), ['/v3/snapshot/options/AAPL', '/v3/snapshot/options/I:SPX']);
    assert.deepEqual(await storedTickers(db), tickersOf([...CHAINS.AAPL, ...CHAINS['I:SPX']]));
    const [cycle, ...more] = cycles(result);
    assert.deepEqual(more, []);
    assert.deepEqual([cycle!.underlyings, cycle!.rowsWritten, cycle!.failed], [2, CHAINS.AAPL.length + CHAINS['I:SPX'].length, []]);

    // Flag and file together: SPY from the flag, AAPL only once.
    const before = server.requests.length;
    const both = await poll(
      server,
      ['--once', '--underlyings', 'SPY,AAPL', '--watchlist', watchlist, '--captured-at', '2026-11-27T15:10:00Z', '--json'],
      { DATABASE_URL: db.url },
    );
    assert.equal(both.code, 0, both.stderr);
    const asked = server.requests.slice(before).map((request) => request.path);
    assert.deepEqual([...new Set(asked)].sort(), ['/v3/snapshot/options/AAPL', '/v3/snapshot/options/I:SPX', '/v3/snapshot/options/SPY']);
    assert.equal(asked.filter((p) => p === '/v3/snapshot/options/AAPL').length, 2, 'AAPL once: its 300 results in two pages');
    assert.equal(cycles(both)[0]!.underlyings, 3);
    const [{ n }] = await query(db.url, `SELECT count(*)::int AS n FROM option_snapshots WHERE captured_at = '2026-11-27T15:10:00Z'`);
    assert.equal(n, CHAINS.SPY.length + CHAINS.AAPL.length + CHAINS['I:SPX'].length);

    // A typo in the file stops the poll before anything is asked.
    const typo = await dir.write('typo.txt', 'AAPL\nMS FT$\n');
    const refused = await poll(server, ['--once', '--watchlist', typo], { DATABASE_URL: db.url });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /"FT\$".*typo\.txt:2/);
    assert.equal(server.requests.length, before + asked.length);
  },
);

test(
  '--once --market-hours outside trading hours: exit 0, nothing asked of the API, no database touched',
  { timeout: 60_000 },
  async (t) => {
    const server = await startServer(t);
    const watchlist = await dir.write('closed.txt', 'AAPL\n');
    // A Saturday, Good Friday at 11:00 New York, and a weekday evening after the close.
    for (const [clock, nextOpen] of [
      ['2026-03-14T15:00:00Z', '2026-03-16T13:30:00Z'],
      ['2026-04-03T15:00:00Z', '2026-04-06T13:30:00Z'],
      ['2026-03-10T20:00:00Z', '2026-03-11T13:30:00Z'],
    ] as const) {
      // An unreachable DATABASE_URL: any attempt to connect would fail the command.
      const closed = await poll(server, ['--once', '--market-hours', '--watchlist', watchlist], {
        DATABASE_URL: UNREACHABLE_DATABASE,
        ...clockAt(clock),
      });
      assert.equal(closed.code, 0, `${clock}: ${closed.stderr}`);
      assert.equal(closed.stdout, '');
      assert.equal(closed.stderr, `optdb: market closed; nothing polled (the next session opens ${nextOpen})\n`, clock);
    }
    // Without DATABASE_URL: no embedded server is started either.
    const dataDir = path.join(dir.path, 'no-server');
    const embedded = await runCli(
      ['--data-dir', dataDir, 'poll', '--base-url', server.baseUrl, '--once', '--market-hours', '--underlyings', 'AAPL'],
      {
        POLYGON_API_KEY: KEY,
        DATABASE_URL: undefined,
        OPTDB_DATA_DIR: undefined,
        ...clockAt('2026-03-14T15:00:00Z'),
      },
    );
    assert.equal(embedded.code, 0, embedded.stderr);
    await assert.rejects(fs.stat(dataDir), { code: 'ENOENT' });
    assert.equal(server.requests.length, 0);

    // The same command at 11:00 on a trading Tuesday polls, into the database.
    const db = await databases.migrated('poll_flags');
    const open = await poll(server, ['--once', '--market-hours', '--watchlist', watchlist, '--json'], {
      DATABASE_URL: db.url,
      ...clockAt('2026-03-10T15:00:00Z'),
    });
    assert.equal(open.code, 0, open.stderr);
    const [cycle] = cycles(open);
    assert.equal(cycle!.capturedAt, '2026-03-10T15:00:00.000000Z');
    assert.deepEqual(await storedTickers(db), tickersOf(CHAINS.AAPL));
    assert.deepEqual(polledPaths(server), ['/v3/snapshot/options/AAPL']);
  },
);

test(
  'poll --once with option_snapshots locked: the writes time out, are retried within the limits, then exit 1 naming the lock',
  { timeout: 90_000 },
  async (t) => {
    const server = await startServer(t);
    const db = await databases.migrated('poll_flags');
    await query(db.url, `ALTER DATABASE ${db.name} SET lock_timeout = '200ms'`);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    t.after(() => holder.end());
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE option_snapshots IN ACCESS EXCLUSIVE MODE');

    const result = await poll(server, ['--once', '--underlyings', 'AAPL,SPY', '--captured-at', CAPTURED_AT], {
      DATABASE_URL: db.url,
      OPTDB_RETRY_ATTEMPTS: '2',
      OPTDB_RETRY_MAX_TIME_MS: '20000',
    });
    await holder.query('ROLLBACK');

    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '', 'no cycle line: the cycle did not complete');
    assert.match(result.stderr, /55P03 on a batch of \d+ rows \(attempt 1\); retrying/);
    assert.match(result.stderr, /55P03 on a batch of \d+ rows \(attempt 2\); retrying/);
    assert.doesNotMatch(result.stderr, /attempt 3/);
    assert.match(
      result.stderr,
      /^optdb: A batch of \d+ rows could not be written after 3 attempt\(s\): 55P03 canceling statement due to lock timeout$/m,
    );
    assert.match(result.stderr, /it failed on every retry: run `optdb doctor`/);
    assert.doesNotMatch(result.stderr, /none if a retry succeeds/);
    assert.deepEqual(await storedTickers(db), []);
    assert.deepEqual(await storedTickers(db, 'options'), [], "the batch's contracts were rolled back with it");
  },
);

test(
  'a repeating poll whose table disappears between cycles stops: exit 1 with the remedy; the cycles before it are stored whole',
  { timeout: 90_000 },
  async (t) => {
    const server = await startServer(t);
    const db = await databases.migrated('poll_flags');
    const child = spawnCli(['poll', '--base-url', server.baseUrl, '--underlyings', 'AAPL,I:SPX', '--every', '1s', '--json'], {
      DATABASE_URL: db.url,
      POLYGON_API_KEY: KEY,
      POLYGON_BASE_URL: undefined,
    });
    t.after(() => void child.kill('SIGKILL'));
    const done = collect(child, 60_000);
    let stdout = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    for (let i = 0; i < 3_000 && !stdout.includes('\n'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(stdout.includes('\n'), 'the first cycle ended');
    await query(db.url, 'ALTER TABLE option_snapshots RENAME TO option_snapshots_moved');
    const result = await done;

    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /^optdb: A batch of \d+ rows could not be written after 1 attempt\(s\): 42P01 relation "option_snapshots" does not exist\n {2}run `optdb migrate` against this database, then rerun$/m,
    );
    const printed = cycles(result);
    assert.ok(printed.length >= 1);
    const perCycle = CHAINS.AAPL.length + CHAINS['I:SPX'].length;
    for (const cycle of printed) {
      assert.equal(cycle.rowsWritten, perCycle);
      const [{ n }] = await query(db.url, 'SELECT count(*)::int AS n FROM option_snapshots_moved WHERE captured_at = $1', [
        cycle.capturedAt,
      ]);
      assert.equal(n, perCycle, `cycle ${cycle.capturedAt}`);
    }
  },
);
