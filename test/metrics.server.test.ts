/**
 * `--metrics-listen`: the metrics served over real HTTP while a command runs — the
 * endpoint's answers, a port already taken, a scraper's keep-alive connection at close,
 * and a real `optdb ingest` scraped in the middle of its input.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fs from 'node:fs/promises';
import { after, test } from 'node:test';
import { OptdbError } from '../src/errors.js';
import { parseListenAddress, serveMetrics } from '../src/metrics/metrics-server.js';
import { OptdbMetrics } from '../src/metrics/optdb-metrics.js';
import { writeSample } from '../src/sample/generate-sample.js';
import { watchCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { samples } from './harness/prometheus.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-metrics-server-');
after(() => databases.dropAll());

test('listen addresses: a port, host:port, [ipv6]:port; 127.0.0.1 unless a host is given', () => {
  assert.deepEqual(parseListenAddress('9464'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseListenAddress(':9464'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseListenAddress('0.0.0.0:9464'), { host: '0.0.0.0', port: 9464 });
  assert.deepEqual(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
  assert.deepEqual(parseListenAddress('[::1]:9464'), { host: '::1', port: 9464 });
  for (const bad of ['', 'port', '65536', 'host:', '1.2.3.4:99999', '9464/metrics', '::1:9464'])
    assert.equal(parseListenAddress(bad), undefined, bad);
});

test('GET /metrics answers the current exposition; other paths 404, other methods 405', async (t) => {
  const metrics = new OptdbMetrics({ processMetrics: true });
  const server = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  assert.doesNotMatch(server.url, /:0\//);

  metrics.rowsRead.inc(41);
  let response = await fetch(server.url);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  let values = samples(await response.text());
  assert.equal(values.get('optdb_rows_read_total'), 41);
  assert.ok((values.get('process_resident_memory_bytes') ?? 0) > 0, 'the process metrics are served too');

  metrics.rowsRead.inc(); // a later scrape sees the value of that moment
  values = samples(await (await fetch(server.url)).text());
  assert.equal(values.get('optdb_rows_read_total'), 42);

  response = await fetch(server.url, { method: 'HEAD' });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), '');
  response = await fetch(server.url.replace('/metrics', '/'));
  assert.equal(response.status, 404);
  assert.match(await response.text(), /serves its metrics at \/metrics/);
  response = await fetch(server.url, { method: 'POST', body: 'x' });
  assert.equal(response.status, 405);
  assert.equal(response.headers.get('allow'), 'GET, HEAD');
});

test('a port already taken: a clear error naming it, with a remedy', async (t) => {
  const taken = http.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const { port } = taken.address() as AddressInfo;
  await assert.rejects(serveMetrics(new OptdbMetrics(), { host: '127.0.0.1', port }), (error: unknown) => {
    assert.ok(error instanceof OptdbError);
    assert.equal(error.message, `Cannot serve metrics on 127.0.0.1:${port}: EADDRINUSE.`);
    assert.match(error.remedy ?? '', /Another process holds that port/);
    return true;
  });
});

test('close() ends even while a scraper keeps its connection alive, and the port is free again', async () => {
  const server = await serveMetrics(new OptdbMetrics(), { host: '127.0.0.1', port: 0 });
  const agent = new http.Agent({ keepAlive: true });
  await new Promise<void>((resolve, reject) =>
    http.get(server.url, { agent }, (response) => response.resume().on('end', resolve)).on('error', reject),
  );
  await server.close();
  agent.destroy();
  const port = Number(new URL(server.url).port);
  const again = await serveMetrics(new OptdbMetrics(), { host: '127.0.0.1', port });
  await again.close();
});

test('optdb ingest --metrics-listen: scraped mid-ingest, the counters show the rows read so far', { timeout: 120_000 }, async (t) => {
  const db = await databases.migrated('metrics_listen');
  const bars = path.join(dir.path, 'bars.csv');
  const { rows } = await writeSample({ out: bars, format: 'day-aggs-csv', underlyings: 2, contracts: 2_000, date: '2025-11-20', seed: 5 });
  const lines = (await fs.readFile(bars, 'utf8')).trimEnd().split('\n');
  const half = Math.floor(rows / 2);

  // The input comes on stdin and stops halfway until the test has scraped.
  const { child, done, stderr } = watchCli(
    t,
    [
      'ingest',
      '-',
      '--import-id',
      'listen-test',
      '--metrics-listen',
      '0',
      '--concurrency',
      '2',
      '--batch-size',
      '100',
      '--no-progress',
      '--json',
    ],
    { DATABASE_URL: db.url },
    'pipe',
    100_000,
  );
  child.stdin!.write(lines.slice(0, 1 + half).join('\n') + '\n');

  const url = await waitFor(
    'the metrics address',
    async () => /metrics at (http:\S+)/.exec(stderr())?.[1],
    () => stderr(),
  );
  let lastSeen: number | undefined;
  const midway = await waitFor(
    'the first half read',
    async () => {
      const values = samples(await (await fetch(url)).text());
      lastSeen = values.get('optdb_rows_read_total');
      // The parser may keep the last line back until it sees what follows it.
      return lastSeen !== undefined && lastSeen >= half - 1 ? values : undefined;
    },
    () => `${lastSeen} of ${half} rows read; ${stderr()}`,
  );
  assert.ok(midway.get('optdb_rows_read_total')! <= half, 'rows counted that were not sent yet');
  assert.ok((midway.get('optdb_rows_written_total{outcome="inserted"}') ?? 0) <= half);
  assert.equal(midway.get('optdb_gate_limit'), 2);

  child.stdin!.end(lines.slice(1 + half).join('\n') + '\n');
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).inserted, rows);
  await assert.rejects(fetch(url), 'the endpoint closes with the ingest');
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, context: () => string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for ${what}: ${context()}`);
}

/** Sends raw bytes to host:port and returns what comes back until the server closes (or `waitMs`). */
async function rawExchange(url: URL, bytes: string): Promise<string> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.end(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

test(
  'malformed requests, huge headers and a silent client get a 4xx or nothing; the ingest they hit goes on',
  { timeout: 60_000 },
  async (t) => {
    const db = await databases.migrated('metrics_hostile');
    const { child, done, stderr } = watchCli(
      t,
      ['ingest', '-', '--format', 'day-aggs-csv', '--no-progress', '--json', '--metrics-listen', '127.0.0.1:0'],
      { DATABASE_URL: db.url },
      'pipe',
      50_000,
    );
    for (let i = 0; i < 400 && !/metrics at http/.test(stderr()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const url = new URL(/metrics at (http:\S+)/.exec(stderr())![1]!);

    const net = await import('node:net');
    const silent = net.connect(Number(url.port), url.hostname); // connects and sends nothing
    t.after(() => void silent.destroy());
    assert.match(await rawExchange(url, 'GET http://[x/metrics HTTP/1.1\r\nHost: a\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await rawExchange(url, 'NOT A REQUEST\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await rawExchange(url, `GET /metrics HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
    const scrape = await fetch(url);
    assert.equal(scrape.status, 200, 'the metrics are still served');
    await scrape.text();

    child.stdin!.end(
      'ticker,volume,open,close,high,low,window_start,transactions\nO:AAPL251121C00150000,10,1,1,1,1,1763614800000000000,2\n',
    );
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).inserted, 1);
    assert.doesNotMatch(result.stderr, /TypeError|Invalid URL| {4}at /);
  },
);
