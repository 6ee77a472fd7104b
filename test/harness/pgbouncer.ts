/**
 * A real PgBouncer in front of the test server, for tests of optdb behind a pooler.
 *
 * `startPgBouncer(targetUrl)` writes a config into a fresh temporary directory that
 * forwards every database name to the target server, starts `pgbouncer` as a child
 * process on a free port of 127.0.0.1, waits until it answers a query, and returns URLs
 * through it. `stop()` ends it (SIGTERM, then SIGKILL) and removes the directory.
 *
 * Authentication works with both servers the suite runs on:
 * - a password in the target URL (the embedded server, scram-sha-256): the plain password
 *   goes into userlist.txt, clients authenticate to PgBouncer with SCRAM, and PgBouncer
 *   (1.14+) authenticates to the server with SCRAM using that plain password;
 * - no password (the machine's server, trust auth): `auth_type = trust` (the user must
 *   still be listed in userlist.txt) and PgBouncer logs in without a password.
 *
 * PgBouncer refuses to run as root: when we are root it runs as the `postgres` OS user,
 * which owns the temporary directory.
 *
 * Needs the `pgbouncer` binary (Debian: `apt-get install -y pgbouncer`; Debian 12 ships 1.18).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';

export interface PgBouncerOptions {
  /** `transaction` (default): a server connection per transaction, like Neon's pooler. */
  poolMode?: 'transaction' | 'session';
  /** Server connections per database/user pair (default 20). */
  defaultPoolSize?: number;
  /** Client connections PgBouncer accepts (default 2000). */
  maxClientConn?: number;
}

export interface PgBouncer {
  /** The URL of `database` through PgBouncer (password included: never print it unredacted). */
  url(database: string): string;
  /** The PgBouncer admin console (`SHOW STATS`, `SHOW POOLS`…; simple queries only). */
  readonly adminUrl: string;
  /** The directory holding pgbouncer.ini, userlist.txt and pgbouncer.log (removed by stop). */
  readonly dir: string;
  readonly port: number;
  stop(): Promise<void>;
}

const START_DEADLINE_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const KILL_DEADLINE_MS = 5_000;
const START_ATTEMPTS = 3; // a free port can be taken between finding it and PgBouncer binding it

const INSTALL_HINT =
  'PgBouncer is not installed: install it with `apt-get update && apt-get install -y pgbouncer` ' +
  '(Debian/Ubuntu; `.ci/run` does this), or put a `pgbouncer` binary on PATH.';

export async function startPgBouncer(targetUrl: string, options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const binary = await findPgBouncer();
  const target = new URL(targetUrl);
  const user = decodeURIComponent(target.username) || 'postgres';
  const password = decodeURIComponent(target.password);
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const targetPort = Number(target.port || '5432');
  const readinessDatabase = decodeURIComponent(target.pathname.replace(/^\//, '')) || 'postgres';
  const runAs = process.getuid?.() === 0 ? await osUser('postgres') : undefined;

  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-pgbouncer-'));
    const port = await freePort();
    const files = {
      ini: path.join(dir, 'pgbouncer.ini'),
      users: path.join(dir, 'userlist.txt'),
      log: path.join(dir, 'pgbouncer.log'),
    };
    await fs.writeFile(files.ini, config({ host, targetPort, port, user, password, files, options }), { mode: 0o600 });
    await fs.writeFile(files.users, `${quoted(user)} ${quoted(password)}\n`, { mode: 0o600 });
    if (runAs) {
      for (const file of [dir, files.ini, files.users]) await fs.chown(file, runAs.uid, runAs.gid);
    }

    const child = spawn(binary, [files.ini], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    const output = tail(child);
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);

    const url = (database: string) => {
      const through = new URL(targetUrl);
      through.hostname = '127.0.0.1';
      through.port = String(port);
      through.pathname = `/${encodeURIComponent(database)}`;
      through.username = encodeURIComponent(user);
      return through.toString();
    };
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        process.removeListener('exit', killOnExit);
        await terminate(child);
        await fs.rm(dir, { recursive: true, force: true });
      })());

    try {
      await waitUntilReady(child, url(readinessDatabase));
      return { url, adminUrl: url('pgbouncer'), dir, port, stop };
    } catch (error) {
      const log = await fs.readFile(files.log, 'utf8').catch(() => '');
      await stop();
      const logTail = lastLines(log || output(), 20);
      lastError = new Error(
        `PgBouncer (${binary}) did not start on 127.0.0.1:${port} (forwarding to ${host}:${targetPort}): ${(error as Error).message}\n--- PgBouncer log (last lines) ---\n${logTail}`,
      );
      // Retry only when the port was taken by someone else in the meantime.
      if (!/address already in use/i.test(logTail)) break;
    }
  }
  throw lastError ?? new Error('PgBouncer did not start');
}

function config(input: {
  host: string;
  targetPort: number;
  port: number;
  user: string;
  password: string;
  files: { users: string; log: string };
  options: PgBouncerOptions;
}): string {
  const { host, targetPort, port, user, password, files, options } = input;
  return [
    '[databases]',
    // The fallback entry: any database name the client asks for, on the target server.
    `* = host=${host} port=${targetPort}`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    // No unix socket: a fixed socket directory (/var/run/postgresql) could clash with
    // another PgBouncer on the same port number, and TCP is all the tests use.
    'unix_socket_dir =',
    `pool_mode = ${options.poolMode ?? 'transaction'}`,
    `default_pool_size = ${options.defaultPoolSize ?? 20}`,
    `max_client_conn = ${options.maxClientConn ?? 2000}`,
    // With a password: clients log in with SCRAM; the plain password in userlist.txt lets
    // PgBouncer log in to a scram-sha-256 server. Without: a trust-auth server.
    `auth_type = ${password ? 'scram-sha-256' : 'trust'}`,
    `auth_file = ${files.users}`,
    // The admin console (database "pgbouncer") for SHOW STATS / SHOW POOLS in tests.
    `admin_users = ${user}`,
    // Startup parameters PgBouncer would otherwise refuse ("unsupported startup parameter"):
    // JDBC and some drivers send extra_float_digits. node-postgres and Prisma's adapter-pg
    // send only user, database and application_name (which PgBouncer tracks itself); they
    // send `options`, statement_timeout etc. only when configured, and those are not
    // ignored here on purpose: silently dropping a setting would hide it from the tests.
    'ignore_startup_parameters = extra_float_digits',
    // A failed server login is retried after 15 s by default; fail fast in tests.
    'server_login_retry = 1',
    `logfile = ${files.log}`,
    '',
  ].join('\n');
}

/** userlist.txt quoting: double quotes, with a double quote written twice. */
function quoted(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

async function findPgBouncer(): Promise<string> {
  const candidates = [
    '/usr/sbin/pgbouncer',
    ...(process.env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, 'pgbouncer')),
  ];
  for (const candidate of candidates) {
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(INSTALL_HINT);
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const passwd = await fs.readFile('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields.length >= 4) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error(`PgBouncer refuses to run as root, and there is no \`${name}\` OS user to run it as (is PostgreSQL installed?)`);
}

async function waitUntilReady(child: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `it exited (${signal ?? `code ${code}`})`));
  child.once('error', (error) => (exited = `it could not be started (${error.message})`));
  let lastError = 'no attempt made';
  while (Date.now() < deadline) {
    if (exited) throw new Error(exited);
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`it exited (${child.signalCode ?? `code ${child.exitCode}`})`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000, query_timeout: 5_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await client.end().catch(() => undefined);
    }
    await delay(100);
  }
  throw new Error(`no answer within ${START_DEADLINE_MS / 1000} s (last error: ${lastError})`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  if (await within(exited, STOP_GRACE_MS)) return;
  child.kill('SIGKILL');
  if (!(await within(exited, KILL_DEADLINE_MS))) throw new Error(`PgBouncer (pid ${child.pid}) did not exit after SIGKILL`);
}

async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The last 64 KB of the child's stdout and stderr (PgBouncer also logs to stderr). */
function tail(child: ChildProcess): () => string {
  let text = '';
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => text;
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n') || '(empty)';
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
