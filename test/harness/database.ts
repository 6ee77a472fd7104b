/**
 * Per-test-file databases on the server the harness (run.ts) prepared: each file gets
 * its own database cloned from the migrated template, dropped when the file is done —
 * or kept for inspection when OPTDB_TEST_KEEP=1.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export function adminUrl(): string {
  const url = process.env.OPTDB_TEST_ADMIN_URL;
  if (!url) throw new Error('OPTDB_TEST_ADMIN_URL is not set: run the tests with `npm test` (test/harness/run.ts)');
  return url;
}

/** A new database with optdb's schema migrated (cloned from the template). */
export async function createMigratedDatabase(label: string): Promise<TestDatabase> {
  const template = process.env.OPTDB_TEST_TEMPLATE;
  if (!template) throw new Error('OPTDB_TEST_TEMPLATE is not set: run the tests with `npm test`');
  return createDatabase(label, template);
}

/** A new, empty database (no optdb schema). */
export async function createEmptyDatabase(label: string): Promise<TestDatabase> {
  return createDatabase(label, 'template0');
}

async function createDatabase(label: string, template: string): Promise<TestDatabase> {
  const safeLabel = path
    .basename(label)
    .replace(/\.test\.ts$/, '')
    .replace(/[^a-z0-9]+/gi, '_')
    .toLowerCase()
    .slice(0, 30);
  const name = `optdb_t_${safeLabel}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  return {
    name,
    url: withDatabaseName(adminUrl(), name),
    drop: async () => {
      if (process.env.OPTDB_TEST_KEEP === '1') return;
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function withDatabaseName(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The databases one test file creates, dropped together when the file is done. */
export class TestDatabases {
  private readonly made: TestDatabase[] = [];

  async migrated(label: string): Promise<TestDatabase> {
    return this.keep(await createMigratedDatabase(label));
  }

  async empty(label: string): Promise<TestDatabase> {
    return this.keep(await createEmptyDatabase(label));
  }

  async dropAll(): Promise<void> {
    await Promise.all(this.made.map((db) => db.drop()));
  }

  private keep(db: TestDatabase): TestDatabase {
    this.made.push(db);
    return db;
  }
}
