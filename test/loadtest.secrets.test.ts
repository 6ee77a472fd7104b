/**
 * `optdb loadtest`'s pooler URL and its password: a command line is visible to every user
 * (ps) and kept in shell history, so --pooler-url refuses a password and OPTDB_POOLER_URL
 * carries one; neither is ever echoed, not even when the URL is refused.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type CliResult, runCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { freePort } from './harness/ports.js';

const PASSWORD = 'Pw-loadtest-7c19e4b2';
const SHORT = ['--paths', 'buffer-only', '--tasks', '1', '--duration', '200ms', '--max-minutes', '1'];

const databases = new TestDatabases();
after(() => databases.dropAll());

async function loadtest(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const db = await databases.migrated('loadtest_secrets');
  return runCli(['loadtest', ...SHORT, ...args], {
    DATABASE_URL: db.url,
    DIRECT_URL: undefined,
    OPTDB_POOLER_URL: undefined,
    OPTDB_DEBUG: undefined,
    ...env,
  });
}

function assertAbsent(result: CliResult, secret: string): void {
  assert.ok(
    !result.stdout.includes(secret) && !result.stderr.includes(secret),
    `the password was printed:\n${result.stdout}\n${result.stderr}`,
  );
}

test('--pooler-url with a password is refused before anything runs, naming OPTDB_POOLER_URL, the password hidden', async () => {
  const port = await freePort();
  for (const url of [
    `postgresql://loader:${PASSWORD}@127.0.0.1:${port}/optdb`,
    `postgres://loader@127.0.0.1:${port}/optdb?password=${PASSWORD}`,
  ]) {
    const result = await loadtest(['--pooler-url', url]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /optdb: --pooler-url holds a password: a command line is visible to other users \(ps\)/);
    assert.match(result.stderr, /Pass the URL in OPTDB_POOLER_URL instead/);
    assert.doesNotMatch(result.stdout + result.stderr, /optdb loadtest: \d+ steps/, 'the load test started');
    assertAbsent(result, PASSWORD);
  }
});

test('a pooler URL that is not a PostgreSQL URL is refused without echoing it', async () => {
  const port = await freePort();
  const result = await loadtest(['--pooler-url', `mysql://loader:${PASSWORD}@127.0.0.1:${port}/optdb`]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /Invalid --pooler-url: expected a URL starting with postgresql:\/\/ or postgres:\/\//);
  assertAbsent(result, PASSWORD);

  const fromEnv = await loadtest([], { OPTDB_POOLER_URL: `mysql://loader:${PASSWORD}@127.0.0.1:${port}/optdb` });
  assert.equal(fromEnv.code, 1, fromEnv.stderr);
  assert.match(fromEnv.stderr, /Invalid OPTDB_POOLER_URL: expected a URL starting with postgresql:\/\//);
  assertAbsent(fromEnv, PASSWORD);
});

test('OPTDB_POOLER_URL may hold a password: the pooler target runs, the password is not printed', async () => {
  const db = await databases.migrated('loadtest_secrets_env');
  // Straight to PostgreSQL stands in for a pooler here: what is tested is where the URL comes from.
  const url = new URL(db.url);
  if (url.password === '') url.password = PASSWORD; // the test server trusts local connections
  const secret = decodeURIComponent(url.password);
  const result = await runCli(['loadtest', ...SHORT, '--json'], {
    DATABASE_URL: db.url,
    DIRECT_URL: undefined,
    OPTDB_POOLER_URL: url.href,
    OPTDB_DEBUG: undefined,
  });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { steps: { target: string; rows: number }[] };
  assert.deepEqual(
    report.steps.map((step) => step.target),
    ['direct', 'pooler'],
  );
  assert.ok(
    report.steps.every((step) => step.rows > 0),
    result.stdout,
  );
  assertAbsent(result, secret);
});
