import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { readMigrationFiles } from '../src/db/migration-files.js';
import { migrate, migrationStatus, PRISMA_MIGRATION_LOCK_KEY } from '../src/db/migrator.js';
import { OptdbError } from '../src/errors.js';
import { type TestDatabase, TestDatabases } from './harness/database.js';
import { query } from './harness/sql.js';

const databases = new TestDatabases();
after(() => databases.dropAll());

async function freshDatabase(): Promise<TestDatabase> {
  const db = await databases.empty('migrate');
  return db;
}

/** Everything a migration could change: tables, columns, indexes, constraints, types. */
async function catalogSnapshot(url: string): Promise<string> {
  const rows = await query(
    url,
    `SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS item
       FROM information_schema.columns WHERE table_schema = 'public'
     UNION ALL SELECT 'idx ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
     UNION ALL SELECT 'con ' || conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
     UNION ALL SELECT 'typ ' || typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'
     ORDER BY 1`,
  );
  return rows.map((row) => row.item).join('\n');
}

test('a fresh database gets every migration, recorded like prisma migrate deploy', async () => {
  const db = await freshDatabase();
  const files = await readMigrationFiles();
  assert.ok(files.length >= 1);

  const result = await migrate(db.url);
  assert.deepEqual(
    result.applied,
    files.map((f) => f.name),
  );

  const rows = await query(db.url, 'SELECT * FROM _prisma_migrations ORDER BY migration_name');
  assert.equal(rows.length, files.length);
  for (const [i, row] of rows.entries()) {
    const file = files[i]!;
    assert.equal(row.migration_name, file.name);
    const bytes = await fs.readFile(path.join('prisma/migrations', file.name, 'migration.sql'));
    assert.equal(row.checksum, createHash('sha256').update(bytes).digest('hex'));
    assert.match(row.id, /^[0-9a-f-]{36}$/);
    assert.ok(row.started_at instanceof Date && row.finished_at instanceof Date);
    assert.ok(row.finished_at >= row.started_at);
    assert.equal(row.applied_steps_count, 1);
    assert.equal(row.rolled_back_at, null);
  }
  const tables = await query(db.url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  assert.deepEqual(
    tables.map((t) => t.tablename),
    ['_prisma_migrations', 'import_batches', 'option_day_aggs', 'option_snapshots', 'options'],
  );
});

test('a second run changes nothing', async () => {
  const db = await freshDatabase();
  await migrate(db.url);
  const before = await catalogSnapshot(db.url);
  const bookkeeping = await query(db.url, 'SELECT * FROM _prisma_migrations ORDER BY id');

  const again = await migrate(db.url);
  assert.deepEqual(again.applied, []);
  assert.equal(again.alreadyApplied, (await readMigrationFiles()).length);
  assert.equal(await catalogSnapshot(db.url), before);
  assert.deepEqual(await query(db.url, 'SELECT * FROM _prisma_migrations ORDER BY id'), bookkeeping);
});

test('concurrent migrations: one applies, the others wait and find nothing to do', async () => {
  const db = await freshDatabase();
  const results = await Promise.all(Array.from({ length: 5 }, () => migrate(db.url)));
  const appliedCounts = results.map((r) => r.applied.length).sort();
  const total = (await readMigrationFiles()).length;
  assert.deepEqual(appliedCounts, [0, 0, 0, 0, total]);
  const rows = await query(db.url, 'SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY 1');
  assert.ok(rows.every((row) => row.n === 1));
  assert.equal(rows.length, total);
});

test('migrate waits for a migration lock held by another session (Prisma uses the same key)', async () => {
  const db = await freshDatabase();
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATION_LOCK_KEY]);
  let finished = false;
  const running = migrate(db.url).then((r) => ((finished = true), r));
  // The server says so: a session of this database waits for that advisory lock (a bigint
  // key's low 32 bits are its objid).
  const WAITING = `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid)
    WHERE a.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted AND l.objid = $1`;
  for (let i = 0; i < 1_500 && !finished; i++) {
    if ((await holder.query(WAITING, [PRISMA_MIGRATION_LOCK_KEY])).rows[0].n === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(finished, false, 'migrate went on while the lock was held');
  assert.equal((await holder.query(WAITING, [PRISMA_MIGRATION_LOCK_KEY])).rows[0].n, 1, 'migrate is not waiting for the lock');
  assert.equal(
    (await holder.query(`SELECT to_regclass('_prisma_migrations') AS t`)).rows[0].t,
    null,
    'migrate did something before it had the lock',
  );
  await holder.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATION_LOCK_KEY]);
  await holder.end();
  assert.ok((await running).applied.length > 0);
});

test('status lists pending migrations before and applied ones after', async () => {
  const db = await freshDatabase();
  const before = await migrationStatus(db.url);
  assert.equal(before.upToDate, false);
  assert.ok(before.entries.every((entry) => entry.state === 'pending'));
  await migrate(db.url);
  const afterwards = await migrationStatus(db.url);
  assert.equal(afterwards.upToDate, true);
  assert.deepEqual(afterwards.pending, []);
});

test('a failing migration is rolled back whole and not recorded', async () => {
  const db = await freshDatabase();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-migrations-'));
  await writeMigration(dir, '20260101000000_good', 'CREATE TABLE good (id int PRIMARY KEY);');
  await writeMigration(dir, '20260101000001_bad', 'CREATE TABLE half_done (id int);\nSELECT no_such_function();');
  const files = await readMigrationFiles(dir);

  await assert.rejects(migrate(db.url, files), (error: unknown) => {
    assert.ok(error instanceof OptdbError);
    assert.equal(error.code, 'MIGRATION_FAILED');
    assert.match(error.message, /20260101000001_bad.*42883/);
    return true;
  });
  const tables = await query(db.url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  assert.deepEqual(
    tables.map((t) => t.tablename),
    ['_prisma_migrations', 'good'],
  );
  const names = await query(db.url, 'SELECT migration_name FROM _prisma_migrations');
  assert.deepEqual(
    names.map((r) => r.migration_name),
    ['20260101000000_good'],
  );
  await fs.rm(dir, { recursive: true });
});

test('a migration Prisma recorded as failed stops optdb with a remedy', async () => {
  const db = await freshDatabase();
  await migrate(db.url);
  await query(
    db.url,
    `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ('00000000-0000-0000-0000-000000000001', 'x', '29990101000000_broken', now())`,
  );
  await assert.rejects(
    migrate(db.url),
    (error: unknown) => error instanceof OptdbError && error.code === 'MIGRATION_STATE' && !!error.remedy,
  );
});

test('status flags a migration edited after it was applied', async () => {
  const db = await freshDatabase();
  const files = await readMigrationFiles();
  await migrate(db.url, files);
  const edited = files.map((f, i) => (i === 0 ? { ...f, checksum: '0'.repeat(64) } : f));
  const status = await migrationStatus(db.url, edited);
  assert.equal(status.entries[0]!.state, 'modified');
  assert.equal(status.upToDate, false);
});

async function writeMigration(dir: string, name: string, sql: string): Promise<void> {
  await fs.mkdir(path.join(dir, name));
  await fs.writeFile(path.join(dir, name, 'migration.sql'), sql);
}
