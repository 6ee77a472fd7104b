/**
 * `optdb serve` as a user runs it: prints where it listens, logs each request without
 * its query string, refuses to listen beyond loopback without a token, and stops on
 * Ctrl-C after closing its pool.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { ingestFiles, resolveConfig } from '../src/index.js';
import { runCli, watchCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { DOCUMENTED_RESULT } from './harness/polygon-fixtures.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-serve-cli-');
after(() => databases.dropAll());

test('optdb serve: prints its URL, answers, logs requests without their query, stops on Ctrl-C', async (t) => {
  const db = await databases.migrated('serve_cli');
  const chain = await dir.write('chain.json', `{"status":"OK","results":[${DOCUMENTED_RESULT}]}`);
  await ingestFiles(resolveConfig({}, { DATABASE_URL: db.url }), [chain]);

  const run = watchCli(t, ['serve', '--listen', '127.0.0.1:0'], { DATABASE_URL: db.url, OPTDB_API_TOKEN: undefined }, 'ignore', 60_000);
  let stdout = '';
  while (!/serving on (http:\/\/\S+) /.test(stdout)) {
    const [chunk] = (await once(run.child.stdout!, 'data')) as [Buffer];
    stdout += chunk.toString();
  }
  const url = /serving on (http:\/\/\S+) /.exec(stdout)![1]!;
  assert.match(stdout, /OpenAPI: http:\/\/127\.0\.0\.1:\d+\/openapi\.json/);

  const response = await fetch(`${url}/v3/snapshot/options/I:SPX/O:SPXW230712C04500000?as_of=2023-07-13&apiKey=secret-in-the-url`);
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as { results: { open_interest: number } }).results.open_interest, 4501);
  while (!run.stderr().includes('GET /v3/snapshot/options/I:SPX/O:SPXW230712C04500000 200'))
    await new Promise((resolve) => setTimeout(resolve, 20));
  assert.doesNotMatch(run.stderr(), /secret-in-the-url/);

  run.child.kill('SIGINT');
  const result = await run.done;
  assert.equal(result.code, 130, result.stderr);
  // A backend leaves pg_stat_activity a moment after its client disconnects.
  let left = -1;
  for (let i = 0; i < 40 && left !== 0; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    left = (
      await query(db.url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'optdb'`, [db.name])
    )[0].n;
  }
  assert.equal(left, 0, 'the pool is closed');
});

test('optdb serve refuses to listen beyond loopback without a token, and a bad --listen', async () => {
  const db = await databases.migrated('serve_cli_token');
  const open = await runCli(['serve', '--listen', '0.0.0.0:0'], { DATABASE_URL: db.url, OPTDB_API_TOKEN: undefined });
  assert.equal(open.code, 1);
  assert.match(open.stderr, /Refusing to serve on 0\.0\.0\.0 without a token/);
  assert.match(open.stderr, /Set OPTDB_API_TOKEN/);
  const bad = await runCli(['serve', '--listen', 'here'], { DATABASE_URL: db.url });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--listen.*expected a port or host:port/);
});
