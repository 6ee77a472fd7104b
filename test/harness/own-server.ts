/**
 * A private PostgreSQL server for one test: for conditions that need server-wide
 * settings or a restart (ALTER SYSTEM, stopping the server), which must never be made on
 * the harness's shared server, where other test files run at the same time.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedServer } from '../../src/db/embedded-server.js';
import { migrate } from '../../src/db/migrator.js';
import { withDatabaseName } from './database.js';
import { freePort } from './ports.js';
import { query } from './sql.js';

export interface OwnServer {
  readonly server: EmbeddedServer;
  /** The test's migrated database on that server (password included: never print it). */
  readonly url: string;
  readonly password: string;
}

/** Server settings (ALTER SYSTEM) applied, with one restart, before `work` runs. */
export type ServerSettings = Readonly<Record<string, string | number>>;

/** Runs `work` with a new embedded server and a migrated database; always stops and removes the server. */
export async function withOwnServer<T>(label: string, work: (own: OwnServer) => Promise<T>, settings: ServerSettings = {}): Promise<T> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `optdb-own-server-${label}-`));
  await fs.chmod(dataDir, 0o755); // the server runs as the postgres OS user when we are root
  const server = new EmbeddedServer(dataDir, await freePort());
  try {
    const started = await server.start();
    const name = `optdb_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
    await query(withDatabaseName(started.url, 'postgres'), `CREATE DATABASE ${name}`);
    const url = withDatabaseName(started.url, name);
    await migrate(url);
    // Names come from the test's own literals; values are quoted as settings.
    for (const [name, value] of Object.entries(settings)) await query(url, `ALTER SYSTEM SET ${name} = '${value}'`);
    if (Object.keys(settings).length > 0) {
      await server.stop();
      await server.start();
    }
    return await work({ server, url, password: decodeURIComponent(new URL(url).password) });
  } finally {
    await server.stop().catch(() => undefined);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}
