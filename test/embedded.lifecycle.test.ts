import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmbeddedServer } from '../src/db/embedded-server.js';
import { collect, runCli, spawnCli } from './harness/cli.js';
import { query, queryOne } from './harness/sql.js';
import { freePort } from './harness/ports.js';

// Each test gets its own data directory and port; none touches the harness's server.
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) {
    await new EmbeddedServer(dir, 1).stop().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

async function newDataDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-embedded-'));
  await fs.chmod(dir, 0o755);
  dirs.push(dir);
  return dir;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The postmaster removes its pid file just before its process ends: allow it a moment. */
async function exitsSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return !processAlive(pid);
}

describe('EmbeddedServer', () => {
  let server: EmbeddedServer;
  let dataDir: string;

  before(async () => {
    dataDir = await newDataDir();
    server = new EmbeddedServer(dataDir, await freePort());
  });

  test('creates, starts, answers, stops and restarts with its data kept', async () => {
    assert.equal((await server.status()).initialised, false);

    const first = await server.start();
    assert.equal(first.startedNow, true);
    const version = await queryOne(first.url, 'SHOW server_version');
    assert.match(String(version.server_version), /^18\./);
    await query(first.url, 'CREATE TABLE kept AS SELECT 42 AS id');

    const status = await server.status();
    assert.equal(status.running, true);
    assert.ok(status.pid && processAlive(status.pid));

    const second = await server.start();
    assert.equal(second.startedNow, false, 'a running server is reused, not started twice');

    assert.equal(await server.stop(), true);
    assert.equal((await server.status()).running, false);
    assert.equal(await exitsSoon(status.pid!), true, 'the server process outlived stop()');
    assert.equal(await server.stop(), false);

    const third = await server.start();
    assert.equal(third.startedNow, true);
    assert.deepEqual(await queryOne(third.url, 'SELECT id FROM kept'), { id: 42 });
    await server.stop();
  });

  test('keeps its generated password private and out of the data it prints', async () => {
    const stat = await fs.stat(server.passwordFile);
    assert.equal(stat.mode & 0o777, 0o600);
    const password = (await fs.readFile(server.passwordFile, 'utf8')).trim();
    assert.ok(password.length >= 20);
    const url = await server.url();
    assert.ok(url.includes(encodeURIComponent(password)));
  });

  test('refuses to start on a port that is taken, with a remedy', async () => {
    const dir = await newDataDir();
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    try {
      const blocked = new EmbeddedServer(dir, port);
      await assert.rejects(blocked.start(), /port \d+ is already in use/);
    } finally {
      blocker.close();
    }
  });
});

describe('optdb db and on-demand use', () => {
  test('db start | status | url | stop, with every URL redacted', async () => {
    const env = { OPTDB_DATA_DIR: await newDataDir(), OPTDB_EMBEDDED_PORT: String(await freePort()), DATABASE_URL: undefined };
    const started = await runCli(['db', 'start'], env);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /started: postgresql:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/optdb/);
    const password = (await fs.readFile(path.join(env.OPTDB_DATA_DIR, 'password'), 'utf8')).trim();

    const status = await runCli(['db', 'status'], env);
    assert.equal(status.code, 0);
    assert.match(status.stdout, /running: pid \d+/);

    const url = await runCli(['db', 'url'], env);
    assert.equal(url.code, 0);
    assert.match(url.stdout, /^postgresql:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/optdb$/m);

    // A command run while the server is up uses it and leaves it running.
    const migrated = await runCli(['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.equal((await runCli(['db', 'status'], env)).code, 0);

    const stopped = await runCli(['db', 'stop'], env);
    assert.equal(stopped.stdout.trim(), 'stopped');
    const after = await runCli(['db', 'status'], env);
    assert.equal(after.code, 3);
    assert.match(after.stdout, /stopped/);

    for (const output of [started, status, url, migrated, stopped, after]) {
      assert.ok(!output.stdout.includes(password) && !output.stderr.includes(password), 'password printed');
    }
  });

  test('a URL without the password the server asks for: a clear error and exit 1 from every command, no hang', async (t) => {
    const env = { OPTDB_DATA_DIR: await newDataDir(), OPTDB_EMBEDDED_PORT: String(await freePort()), DATABASE_URL: undefined };
    assert.equal((await runCli(['db', 'start'], env)).code, 0);
    t.after(() => runCli(['db', 'stop'], env));
    const noPassword = { DATABASE_URL: `postgresql://postgres@127.0.0.1:${env.OPTDB_EMBEDDED_PORT}/optdb` };
    for (const args of [['migrate', '--status'], ['ingest', '-'], ['doctor']]) {
      const result = await runCli(args, noPassword, 20_000);
      assert.notEqual(result.signal, 'SIGKILL', `${args[0]} hung after: ${result.stderr}${result.stdout}`);
      assert.ok(result.code === 1 || (args[0] === 'doctor' && result.code === 2), `${args[0]} exited ${result.code}`);
      assert.match(result.stderr + result.stdout, /password must be a string/, args[0]);
    }
  });

  test('a command with no server running starts one and stops it when done', async () => {
    const env = { OPTDB_DATA_DIR: await newDataDir(), OPTDB_EMBEDDED_PORT: String(await freePort()), DATABASE_URL: undefined };
    const result = await runCli(['migrate'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /applied \d+ migration/);
    assert.equal((await new EmbeddedServer(env.OPTDB_DATA_DIR, 1).status()).running, false);
    const again = await runCli(['migrate'], env);
    assert.match(again.stdout, /up to date/);
  });

  test('Ctrl-C while a command runs stops the server it started', async () => {
    const dataDir = await newDataDir();
    const env = { OPTDB_DATA_DIR: dataDir, OPTDB_EMBEDDED_PORT: String(await freePort()), DATABASE_URL: undefined };
    const child = spawnCli(['migrate'], env);
    const done = collect(child);
    const pidFile = path.join(dataDir, 'pgdata', 'postmaster.pid');
    let serverPid: number | undefined;
    for (let i = 0; i < 600 && serverPid === undefined; i++) {
      serverPid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]) || undefined;
      if (serverPid === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(serverPid, 'the server never started');
    child.kill('SIGINT');
    const result = await done;
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /SIGINT received/);
    assert.equal(await exitsSoon(serverPid), true, 'the embedded server was left running');
  });

  test('Ctrl-C while an ingest is writing stops the server it started', async (t) => {
    const dataDir = await newDataDir();
    const env = { OPTDB_DATA_DIR: dataDir, OPTDB_EMBEDDED_PORT: String(await freePort()), DATABASE_URL: undefined };
    assert.equal((await runCli(['migrate'], env)).code, 0);
    // The input stays open after a few rows: the ingest has written them and waits for more.
    const child = spawnCli(['ingest', '-', '--metrics-listen', '0', '--batch-size', '1', '--no-progress'], env, 'pipe');
    t.after(() => void child.kill('SIGKILL'));
    const done = collect(child);
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    child.stdin!.write(
      'ticker,volume,open,close,high,low,window_start,transactions\nO:AAPL251121C00150000,10,1,1,1,1,1763614800000000000,2\nO:AAPL251121P00150000,10,1,1,1,1,1763614800000000000,2\n',
    );
    let written = 0;
    for (let i = 0; i < 600 && written === 0; i++) {
      const url = /metrics at (http:\S+)/.exec(stderr)?.[1];
      const text = url
        ? await fetch(url).then(
            (response) => response.text(),
            () => '',
          )
        : '';
      written = Number(/^optdb_rows_written_total\{outcome="inserted"\} (\d+)/m.exec(text)?.[1] ?? 0);
      if (written === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(written > 0, `nothing was written: ${stderr}`);
    const serverPid = Number((await fs.readFile(path.join(dataDir, 'pgdata', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    // Rows keep coming, one batch each: Ctrl-C finds a write under way.
    const strikes = Array.from({ length: 3_000 }, (_, i) => String(100_000 + i * 500).padStart(8, '0'));
    child.stdin!.write(strikes.map((strike) => `O:AAPL251121C${strike},10,1,1,1,1,1763614800000000000,2\n`).join(''));
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGINT');
    const result = await done;
    assert.equal(result.code, 130, result.stderr);
    assert.equal(await exitsSoon(serverPid), true, 'the embedded server was left running');
  });
});
