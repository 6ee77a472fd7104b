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

/** Runs `work` with a new embedded server and a migrated database; always stops and removes the server. */
export async function withOwnServer<T>(label: string, work: (own: OwnServer) => Promise<T>): Promise<T> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `optdb-own-server-${label}-`));
  await fs.chmod(dataDir, 0o755); // the server runs as the postgres OS user when we are root
  const server = new EmbeddedServer(dataDir, await freePort());
  try {
    const started = await server.start();
    const name = `optdb_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
    await query(withDatabaseName(started.url, 'postgres'), `CREATE DATABASE ${name}`);
    const url = withDatabaseName(started.url, name);
    await migrate(url);
    const password = (await fs.readFile(server.passwordFile, 'utf8')).trim();
    return await work({ server, url, password });
  } finally {
    await server.stop().catch(() => undefined);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}
