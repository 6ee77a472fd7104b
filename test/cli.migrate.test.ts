import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runCli } from './harness/cli.js';
import { adminUrl, type TestDatabase, TestDatabases } from './harness/database.js';

const databases = new TestDatabases();
after(() => databases.dropAll());

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await databases.empty('cli_migrate');
  return db;
}

/** No stack frames, no secrets: what a user sees when something is wrong. */
function assertCleanFailure(stderr: string, secret?: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, `stack trace printed:\n${stderr}`);
  if (secret) assert.ok(!stderr.includes(secret), 'secret printed');
  assert.match(stderr, /^optdb: /);
}

test('optdb migrate with DATABASE_URL creates the schema; a second run changes nothing', async () => {
  const db = await emptyDatabase();
  const env = { DATABASE_URL: db.url };

  const pending = await runCli(['migrate', '--status'], env);
  assert.equal(pending.code, 1);
  assert.match(pending.stdout, /pending\s+\d{14}_init/);

  const first = await runCli(['migrate'], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /applied \d{14}_init/);

  const second = await runCli(['migrate'], env);
  assert.equal(second.code, 0);
  assert.match(second.stdout, /up to date \(\d+ migration\(s\) already applied\)/);

  const status = await runCli(['migrate', '--status'], env);
  assert.equal(status.code, 0);
  assert.match(status.stdout, /applied\s+\d{14}_init\s+\d{4}-\d\d-\d\dT/);
  // The columns line up: every applied line has its time at the same position.
  const timeColumns = status.stdout
    .split('\n')
    .filter((line) => /^\s+applied/.test(line))
    .map((line) => line.search(/\d{4}-\d\d-\d\dT/));
  assert.ok(timeColumns.length >= 2 && new Set(timeColumns).size === 1, `time columns at ${timeColumns.join(', ')}`);
  assert.match(status.stdout, /^up to date$/m);
});

test('an unreachable database: one clear line, a remedy, no stack trace, no password', async () => {
  const result = await runCli(['migrate'], { DATABASE_URL: 'postgresql://optdb:hunter2secret@127.0.0.1:1/nowhere' });
  assert.equal(result.code, 1);
  assertCleanFailure(result.stderr, 'hunter2secret');
  assert.match(result.stderr, /Cannot connect to the database: .*ECONNREFUSED/);
  assert.match(result.stderr, /Start the server, or fix the host and port in DATABASE_URL/);
});

test('a database that does not exist: migrate, ingest and doctor give the same exact remedy', async () => {
  const url = new URL(adminUrl());
  url.pathname = '/optdb_no_such_database';
  const env = { DATABASE_URL: url.toString() };
  const remedy = /create the database or fix its name in DATABASE_URL/i;
  for (const args of [['migrate'], ['ingest', '-', '--format', 'day-aggs-csv', '--no-progress'], ['doctor']]) {
    const result = await runCli(args, env);
    assert.notEqual(result.code, 0, args.join(' '));
    assert.match(`${result.stdout}${result.stderr}`, /database "optdb_no_such_database" does not exist/, args.join(' '));
    assert.match(`${result.stdout}${result.stderr}`, remedy, args.join(' '));
  }
});

test('a bad setting names the option and the rule', async () => {
  const result = await runCli(['migrate'], { OPTDB_POOL_SIZE: '0' });
  assert.equal(result.code, 1);
  assertCleanFailure(result.stderr);
  assert.match(result.stderr, /OPTDB_POOL_SIZE: must be >= 1, got `0`/);
});

test('optdb db refuses to manage a server given by DATABASE_URL', async () => {
  const result = await runCli(['db', 'start'], { DATABASE_URL: 'postgresql://u:pw-not-shown@127.0.0.1:1/x' });
  assert.equal(result.code, 1);
  assertCleanFailure(result.stderr, 'pw-not-shown');
  assert.match(result.stderr, /manages only the embedded server/);
  const url = await runCli(['db', 'url'], { DATABASE_URL: 'postgresql://u:pw-not-shown@127.0.0.1:1/x' });
  assert.equal(url.stdout.trim(), 'postgresql://u:****@127.0.0.1:1/x');
});

test('usage errors exit 2 with help', async () => {
  const result = await runCli(['no-such-command']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown command/);
});
