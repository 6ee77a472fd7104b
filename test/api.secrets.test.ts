/**
 * The API key never reaches optdb's output, and never travels in clear text: `optdb poll`
 * as a user runs it, with a key holding a control character (which fetch would quote in
 * its error, header and all), against a server whose error bodies echo the key back, and
 * with a plain-http --base-url to another machine.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import { after, test, type TestContext } from 'node:test';
import { PolygonClient } from '../src/api/polygon-client.js';
import { type CliResult, runCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { freePort } from './harness/ports.js';

const KEY = 'secrets-key-8c41f2d9e0';
const databases = new TestDatabases();
after(() => databases.dropAll());

/** A server that answers every request with `status` and a body quoting the Authorization header it got; it counts requests. */
async function echoServer(t: TestContext, status: number, host = '127.0.0.1'): Promise<{ port: number; requests: () => number }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const said = `rejected: Authorization was ${req.headers.authorization ?? 'missing'}`;
    if (status === 401) {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(said); // a proxy's plain text
    } else {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ERROR', error: said }));
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, requests: () => requests };
}

async function poll(baseUrl: string, key: string, extra: string[] = []): Promise<CliResult> {
  const db = await databases.migrated('api_secrets');
  return runCli(['poll', '--once', '--underlyings', 'AAPL', '--retries', '1', '--timeout', '5s', '--base-url', baseUrl, ...extra], {
    DATABASE_URL: db.url,
    POLYGON_API_KEY: key,
    POLYGON_BASE_URL: undefined,
    OPTDB_DEBUG: undefined,
  });
}

function assertAbsent(result: CliResult, ...parts: string[]): void {
  for (const part of parts) {
    assert.ok(!result.stdout.includes(part) && !result.stderr.includes(part), `"${part}" was printed:\n${result.stdout}\n${result.stderr}`);
  }
}

for (const [name, char] of [
  ['a newline', '\n'],
  ['a bell (\\x07)', '\x07'],
] as const) {
  test(`a key with ${name} inside fails as a configuration error naming POLYGON_API_KEY, and is not printed`, async (t) => {
    const server = await echoServer(t, 200);
    const result = await poll(`http://127.0.0.1:${server.port}`, `ctl-key-9f2e61${char}b4d7a0c3`);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /optdb: Expected the API key \(POLYGON_API_KEY\) to be printable ASCII without spaces, got a control character/,
    );
    assert.match(result.stderr, /Set POLYGON_API_KEY again/);
    assertAbsent(result, 'ctl-key-9f2e61', 'b4d7a0c3');
    assert.equal(server.requests(), 0, 'a request was sent with the bad key');
  });
}

test('a server error body that echoes the key is masked: in the retry line and in the final error', async (t) => {
  const server = await echoServer(t, 500);
  const result = await poll(`http://127.0.0.1:${server.port}`, KEY);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(server.requests(), 2);
  assert.match(result.stderr, /HTTP 500: rejected: Authorization was Bearer \*\*\*\* on GET \/v3\/snapshot\/options\/AAPL; retrying/);
  assert.match(result.stderr, /failed after 2 attempt\(s\); the last: HTTP 500: rejected: Authorization was Bearer \*\*\*\*/);
  assertAbsent(result, KEY);
});

test('a 401 whose plain-text body echoes the key is masked', async (t) => {
  const server = await echoServer(t, 401);
  const result = await poll(`http://127.0.0.1:${server.port}`, KEY);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /the API rejected the key \(401: rejected: Authorization was Bearer \*\*\*\*\)/);
  assertAbsent(result, KEY);
});

test('plain http to another machine is refused before any request, naming --base-url or POLYGON_BASE_URL', async (t) => {
  // An address of this machine that is not loopback: a request would reach the server.
  const address = Object.values(os.networkInterfaces())
    .flat()
    .find((item) => item !== undefined && !item.internal && item.family === 'IPv4')?.address;
  const server = address === undefined ? undefined : await echoServer(t, 200, address);
  const url = server ? `http://${address}:${server.port}` : 'http://optdb-test.invalid';
  const result = await poll(url, KEY);
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /Expected `--base-url` to be an https:\/\/ URL \(plain http:\/\/ would send the API key in clear text[^\n]*`$/m,
  );
  assertAbsent(result, KEY);
  assert.equal(server?.requests() ?? 0, 0, 'the key was sent in clear text');

  const db = await databases.migrated('api_secrets_env');
  const fromEnv = await runCli(['poll', '--once', '--underlyings', 'AAPL', '--retries', '0'], {
    DATABASE_URL: db.url,
    POLYGON_API_KEY: KEY,
    POLYGON_BASE_URL: url,
  });
  assert.equal(fromEnv.code, 1, fromEnv.stderr);
  assert.match(fromEnv.stderr, /Expected `POLYGON_BASE_URL` to be an https:\/\/ URL/);
  assert.equal(server?.requests() ?? 0, 0, 'the key was sent in clear text');
});

test('the key is checked and http is allowed only to loopback, in the library too', () => {
  for (const baseUrl of [
    'http://127.0.0.1:8080',
    'http://127.1.2.3',
    'http://localhost:9',
    'http://[::1]:9',
    'https://example.com',
    'http://127.1',
  ]) {
    assert.doesNotThrow(() => new PolygonClient({ apiKey: KEY, baseUrl }), baseUrl);
  }
  for (const baseUrl of [
    'http://example.com',
    'http://10.0.0.1',
    'http://127.0.0.1.example.com',
    'http://localhost.example.com',
    'http://[::ffff:10.0.0.1]',
  ]) {
    assert.throws(() => new PolygonClient({ apiKey: KEY, baseUrl }), /Expected `baseUrl` to be an https:\/\/ URL/, baseUrl);
  }
  assert.throws(
    () => new PolygonClient({ apiKey: 'two words', baseUrl: 'https://example.com' }),
    (error: Error) => {
      assert.match(
        error.message,
        /Expected the API key \(`apiKey`\) to be printable ASCII without spaces, got a space \(U\+0020\) at position 4 of 9 \(key hidden\)/,
      );
      assert.ok(!error.message.includes('two'));
      return true;
    },
  );
  assert.throws(
    () => new PolygonClient({ env: { POLYGON_API_KEY: 'kéy' } }),
    /\(POLYGON_API_KEY\) .* got a non-ASCII character \(U\+00E9\)/,
  );
});
