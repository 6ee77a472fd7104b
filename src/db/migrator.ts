/**
 * Applies migrations without the Prisma CLI, whose schema engine is a separate download
 * from Prisma's servers (not the npm registry) that locked-down machines cannot make,
 * keeping the same `_prisma_migrations` bookkeeping as `prisma migrate deploy`, so
 * `prisma migrate status` / `deploy` work on the same database.
 *
 * - One session holds Prisma's own migration advisory lock for the whole run, so optdb and
 *   Prisma (and two optdb processes) never migrate at the same time. Session advisory locks
 *   do not survive a transaction pooler: migrate through the direct URL (DIRECT_URL).
 * - Each migration runs in one transaction together with its bookkeeping row: it is
 *   applied whole or not at all.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { OptdbError } from '../errors.js';
import { redactText } from '../redact.js';
import { connectRemedy } from './connect-remedy.js';
import { type MigrationFile, readMigrationFiles } from './migration-files.js';
import { APPLICATION_NAME, ClosingClient } from './pool.js';
import { inTransaction } from './transaction.js';

/** The key Prisma's schema engine locks on PostgreSQL; sharing it excludes `prisma migrate` too. */
export const PRISMA_MIGRATION_LOCK_KEY = 72707369;
const LOCK_TIMEOUT = '5min';
// Reading the status is a short read of a small table: it never waits long on a lock
// (doctor reads it too, and must not hang behind what it diagnoses).
const STATUS_LOCK_TIMEOUT = '2s';
const STATUS_STATEMENT_TIMEOUT = '10s';

// The table exactly as Prisma's schema engine creates it.
const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"            VARCHAR(64) NOT NULL,
    "finished_at"         TIMESTAMPTZ,
    "migration_name"      VARCHAR(255) NOT NULL,
    "logs"                TEXT,
    "rolled_back_at"      TIMESTAMPTZ,
    "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`;

const SELECT_APPLIED = `
  SELECT migration_name, checksum, started_at, finished_at, rolled_back_at
  FROM "_prisma_migrations" ORDER BY started_at, migration_name`;

const INSERT_STARTED = `
  INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
  VALUES ($1, $2, $3, now(), 0)`;

const MARK_FINISHED = `
  UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`;

export type MigrationState = 'applied' | 'pending' | 'failed' | 'modified' | 'missing-locally';

export interface MigrationStatusEntry {
  name: string;
  state: MigrationState;
  finishedAt: Date | undefined;
}

export interface MigrationStatus {
  entries: MigrationStatusEntry[];
  pending: string[];
  upToDate: boolean;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function migrate(url: string, files?: MigrationFile[]): Promise<MigrateResult> {
  const migrations = files ?? (await readMigrationFiles());
  return withMigrationSession(url, async (client) => {
    await client.query(`SET lock_timeout = '${LOCK_TIMEOUT}'`);
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATION_LOCK_KEY]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const rows = (await client.query<AppliedRow>(SELECT_APPLIED)).rows;
      const failed = rows.filter((row) => row.finished_at === null && row.rolled_back_at === null);
      if (failed.length > 0) {
        throw new OptdbError('MIGRATION_STATE', `Migration ${failed[0]!.migration_name} is recorded as failed in _prisma_migrations.`, {
          remedy: 'Fix the database by hand, then mark it with `prisma migrate resolve --applied|--rolled-back <name>` or delete its row.',
        });
      }
      const done = new Set(rows.filter(isApplied).map((row) => row.migration_name));
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.name)) continue;
        await applyOne(client, migration);
        applied.push(migration.name);
      }
      return { applied, alreadyApplied: migrations.length - applied.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATION_LOCK_KEY]);
    }
  });
}

export async function migrationStatus(url: string, files?: MigrationFile[]): Promise<MigrationStatus> {
  const migrations = files ?? (await readMigrationFiles());
  return withMigrationSession(url, async (client) => {
    // SET LOCAL, in a transaction of its own: the URL may be a transaction pooler's, where
    // a session setting would stay on the server connection for its next client.
    const rows = await inTransaction(client, async () => {
      await client.query(`SET LOCAL lock_timeout = '${STATUS_LOCK_TIMEOUT}'; SET LOCAL statement_timeout = '${STATUS_STATEMENT_TIMEOUT}'`);
      const exists = await client.query(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`);
      return exists.rows[0].exists ? (await client.query<AppliedRow>(SELECT_APPLIED)).rows : [];
    });
    const entries: MigrationStatusEntry[] = migrations.map((migration) => {
      const row = rows.filter((r) => r.migration_name === migration.name && r.rolled_back_at === null).at(-1);
      if (!row) return { name: migration.name, state: 'pending', finishedAt: undefined };
      if (row.finished_at === null) return { name: migration.name, state: 'failed', finishedAt: undefined };
      const state = row.checksum === migration.checksum ? 'applied' : 'modified';
      return { name: migration.name, state, finishedAt: row.finished_at };
    });
    const local = new Set(migrations.map((m) => m.name));
    for (const row of rows.filter(isApplied)) {
      if (!local.has(row.migration_name)) {
        entries.push({ name: row.migration_name, state: 'missing-locally', finishedAt: row.finished_at ?? undefined });
      }
    }
    const pending = entries.filter((e) => e.state === 'pending').map((e) => e.name);
    return { entries, pending, upToDate: entries.every((e) => e.state === 'applied') };
  });
}

async function applyOne(client: pg.Client, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  try {
    await inTransaction(client, async () => {
      await client.query(INSERT_STARTED, [id, migration.checksum, migration.name]);
      // Simple-query protocol: a migration file holds many statements.
      await client.query(migration.sql);
      await client.query(MARK_FINISHED, [id]);
    });
  } catch (error) {
    const pgError = error as pg.DatabaseError;
    const detail = pgError.code ? `${pgError.code} ${pgError.message}` : String(error);
    throw new OptdbError('MIGRATION_FAILED', `Migration ${migration.name} failed and was rolled back: ${detail}`, {
      cause: error,
    });
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isApplied(row: AppliedRow): boolean {
  return row.finished_at !== null && row.rolled_back_at === null;
}

async function withMigrationSession<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new ClosingClient({ connectionString: url, application_name: `${APPLICATION_NAME} migrate` });
  client.on('error', () => undefined); // reported by the failing query instead
  try {
    await client.connect();
  } catch (error) {
    throw new OptdbError('DATABASE_UNREACHABLE', redactText(`Cannot connect to the database: ${(error as Error).message}`), {
      remedy: `${capitalized(connectRemedy(error))}.`,
      cause: error,
    });
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
