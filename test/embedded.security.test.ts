import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { EmbeddedServer } from '../src/db/embedded-server.js';
import { runCli } from './harness/cli.js';
import { freePort } from './harness/ports.js';

// Each test gets its own data directory and port; none touches the harness's server.
const asRoot = os.userInfo().uid === 0;
const dirs: string[] = [];
const markers: string[] = [];
after(async () => {
  for (const dir of dirs) {
    await new EmbeddedServer(dir, 1).stop().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }
  for (const marker of markers) await fs.rm(marker, { force: true });
});

/** A directory laid out as the lifecycle tests do: 0755, so the postgres OS user can reach it when we are root. */
async function newDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-security-'));
  await fs.chmod(dir, 0o755);
  dirs.push(dir);
  return dir;
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

describe('the embedded server and its data directory', () => {
  test('the server runs without the credentials in optdb’s environment', async (t) => {
    if (!(await exists('/proc/self/environ'))) return t.skip('needs /proc');
    const dataDir = await newDir();
    const env = {
      OPTDB_DATA_DIR: dataDir,
      OPTDB_EMBEDDED_PORT: String(await freePort()),
      DATABASE_URL: undefined,
      POLYGON_API_KEY: 'secret-xyz',
      PGPASSWORD: 'secret-pgpassword',
      SOME_OTHER_TOKEN: 'secret-other',
    };
    const started = await runCli(['db', 'start'], env);
    assert.equal(started.code, 0, started.stderr);
    t.after(() => runCli(['db', 'stop'], env));

    const pid = Number((await fs.readFile(path.join(dataDir, 'pgdata', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const environ = (await fs.readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').filter(Boolean);
    const names = environ.map((entry) => entry.slice(0, entry.indexOf('=')));
    assert.ok(names.includes('PATH'), `the postmaster's environment was not read: ${names.join(' ')}`);
    for (const name of ['POLYGON_API_KEY', 'PGPASSWORD', 'SOME_OTHER_TOKEN', 'OPTDB_DATA_DIR']) {
      assert.ok(!names.includes(name), `the postmaster has ${name}`);
    }
    assert.ok(!environ.some((entry) => entry.includes('secret-')), 'a secret reached the postmaster');
  });

  test('creates its data directory private', async () => {
    const dataDir = path.join(await newDir(), '.optdb');
    dirs.push(dataDir);
    const server = new EmbeddedServer(dataDir, await freePort());
    await server.start();
    await server.stop();
    const stat = await fs.stat(dataDir);
    assert.equal(stat.uid, os.userInfo().uid);
    if (asRoot) {
      // The server runs as the postgres OS user: its group may pass through, nothing more.
      const postgresGid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      assert.equal(octal(stat.mode), '0710');
      assert.equal(stat.gid, postgresGid);
    } else {
      assert.equal(octal(stat.mode), '0700');
    }
  });

  test('refuses a data directory that group or others can write, and creates nothing in it', async () => {
    const dataDir = await newDir();
    await fs.chmod(dataDir, 0o777);
    const server = new EmbeddedServer(dataDir, await freePort());
    await assert.rejects(server.start(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'EMBEDDED_SERVER');
      assert.ok(error.message.includes(dataDir), error.message);
      assert.match(error.message, /writ/);
      return true;
    });
    assert.deepEqual(await fs.readdir(dataDir), []);
  });

  test('refuses a data directory another user owns, and creates nothing in it', async (t) => {
    if (!asRoot) return t.skip('needs root to give a directory to another user');
    const dataDir = await newDir();
    await fs.chown(dataDir, 65534, 65534); // nobody
    const server = new EmbeddedServer(dataDir, await freePort());
    await assert.rejects(server.start(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'EMBEDDED_SERVER');
      assert.ok(error.message.includes(dataDir), error.message);
      assert.match(error.message, /owned by uid 65534/);
      return true;
    });
    assert.deepEqual(await fs.readdir(dataDir), []);
  });

  test('never follows a symlink planted where initdb’s password file used to be', async () => {
    const dataDir = await newDir();
    const victim = path.join(await newDir(), 'victim');
    await fs.writeFile(victim, 'untouched\n', { mode: 0o644 });
    const before = await fs.stat(victim);
    const planted = path.join(dataDir, `.pwfile-${process.pid}`);
    await fs.symlink(victim, planted);

    const server = new EmbeddedServer(dataDir, await freePort());
    await server.start();
    await server.stop();

    assert.equal(await fs.readFile(victim, 'utf8'), 'untouched\n');
    const afterStart = await fs.stat(victim);
    assert.deepEqual([afterStart.uid, afterStart.gid, octal(afterStart.mode)], [before.uid, before.gid, octal(before.mode)]);
    // No copy of the password is left behind either.
    assert.deepEqual((await fs.readdir(dataDir)).sort(), [path.basename(planted), 'password', 'pgdata', 'server.json'].sort());
  });

  test('refuses a port in server.json that is not a port number, and runs nothing from it', async () => {
    const dataDir = await newDir();
    const port = await freePort();
    const server = new EmbeddedServer(dataDir, port);
    await server.start();
    await server.stop();

    // pg_ctl hands its -o options to a shell, which runs a command substitution in them
    // before it execs the server. The marker's path is spelt without a slash (printf's
    // octal escapes) so that the port check before pg_ctl does not fail on it by chance.
    const name = `pwned-${randomBytes(6).toString('hex')}`;
    markers.push(path.join('/tmp', name));
    const hostile = `$(touch "$(printf '\\057tmp\\057${name}')")${port}`;
    await fs.writeFile(path.join(dataDir, 'server.json'), JSON.stringify({ port: hostile }));
    const env = { OPTDB_DATA_DIR: dataDir, OPTDB_EMBEDDED_PORT: String(port), DATABASE_URL: undefined };
    const result = await runCli(['db', 'start'], env);
    assert.equal(await exists(markers.at(-1)!), false, 'a command from server.json ran');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.ok(result.stderr.includes(path.join(dataDir, 'server.json')), result.stderr);
    assert.match(result.stderr, /1 to 65535/);
    assert.equal(await exists(path.join(dataDir, 'pgdata', 'postmaster.pid')), false, 'the server started');
  });
});
