import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readMigrationFiles } from '../src/db/migration-files.js';
import { migrate } from '../src/db/migrator.js';
import { migrations } from '../src/doctor/migrations.js';
import { runCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { resultFor, runFamily } from './harness/doctor.js';
import { query } from './harness/sql.js';

const databases = new TestDatabases();
let names: string[];
before(async () => {
  names = (await readMigrationFiles()).map((file) => file.name);
  assert.ok(names.length >= 2, 'the tests below need at least two migrations');
});
after(() => databases.dropAll());

test('a migrated database passes both checks', async () => {
  const db = await databases.migrated('doctor_migrations_ok');
  const results = await runFamily(migrations, { url: db.url });
  const applied = resultFor(results, 'migrations.applied');
  assert.equal(applied.status, 'pass', applied.summary);
  assert.match(applied.summary, new RegExp(`all ${names.length} migrations applied, the latest ${names.at(-1)}`));
  assert.equal(resultFor(results, 'migrations.schema').status, 'pass');
});

test('an empty database fails with `optdb migrate`, and the schema is not compared', async () => {
  const db = await databases.empty('doctor_migrations_empty');
  const results = await runFamily(migrations, { url: db.url });
  const applied = resultFor(results, 'migrations.applied');
  assert.equal(applied.status, 'fail');
  assert.equal(applied.summary, `no optdb schema here: 0 of ${names.length} migrations applied`);
  assert.match(applied.remedy ?? '', /optdb migrate/);
  const schema = resultFor(results, 'migrations.schema');
  assert.equal(schema.status, 'warn');
  assert.match(schema.summary, /not compared/);
});

test('the last migration missing (row and objects) fails naming it; `optdb migrate` repairs it', async () => {
  const db = await databases.migrated('doctor_migrations_pending');
  const last = names.at(-1)!;
  await query(db.url, 'DELETE FROM _prisma_migrations WHERE migration_name = $1', [last]);
  // What the last migration changed, undone: option_day_aggs back to a table of its own, not partitioned.
  await query(
    db.url,
    `DROP TABLE option_day_aggs;
     CREATE TABLE option_day_aggs (ticker text NOT NULL, day date NOT NULL, open numeric NOT NULL, high numeric NOT NULL,
       low numeric NOT NULL, close numeric NOT NULL, volume bigint NOT NULL, transactions bigint,
       CONSTRAINT option_day_aggs_pkey PRIMARY KEY (ticker, day));
     CREATE INDEX option_day_aggs_day_idx ON option_day_aggs (day);
     ALTER TABLE option_day_aggs ADD CONSTRAINT option_day_aggs_ticker_fkey FOREIGN KEY (ticker) REFERENCES options (ticker)
       ON DELETE RESTRICT ON UPDATE CASCADE`,
  );
  const results = await runFamily(migrations, { url: db.url });
  const applied = resultFor(results, 'migrations.applied');
  assert.equal(applied.status, 'fail');
  assert.match(applied.summary, new RegExp(`^1 of ${names.length} migrations pending .*: ${last}$`));
  assert.equal(applied.remedy, 'run `optdb migrate`');
  assert.match(resultFor(results, 'migrations.schema').summary, /^not compared .*: 1 migration\(s\) not applied/);

  await migrate(db.url);
  const repaired = await runFamily(migrations, { url: db.url });
  assert.deepEqual(
    repaired.map((result) => result.status),
    ['pass', 'pass'],
  );
});

test('a failed or modified migration fails with what that state means', async () => {
  const db = await databases.migrated('doctor_migrations_state');
  const [first, last] = [names[0]!, names.at(-1)!];
  await query(db.url, 'UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = $1', [last]);
  await query(db.url, "UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = $1", [first]);
  const applied = resultFor(await runFamily(migrations, { url: db.url }), 'migrations.applied');
  assert.equal(applied.status, 'fail');
  assert.match(applied.summary, new RegExp(`1 of ${names.length} migrations recorded as failed .*: ${last}`));
  assert.match(applied.summary, new RegExp(`1 of ${names.length} migrations modified .*: ${first}`));
  assert.match(applied.remedy ?? '', /prisma migrate resolve/);
});

test('a dropped column fails with the difference; an added one only warns', async () => {
  const db = await databases.migrated('doctor_migrations_drift');
  await query(db.url, 'ALTER TABLE options ADD COLUMN note text');
  const added = resultFor(await runFamily(migrations, { url: db.url }), 'migrations.schema');
  assert.equal(added.status, 'warn');
  assert.equal(added.summary, '1 difference(s) from prisma/schema.prisma: options.note: in the database, missing in schema.prisma');
  assert.ok(added.remedy);

  await query(db.url, 'ALTER TABLE options DROP COLUMN primary_exchange');
  const dropped = resultFor(await runFamily(migrations, { url: db.url }), 'migrations.schema');
  assert.equal(dropped.status, 'fail');
  assert.match(dropped.summary, /^2 difference\(s\).*options\.primary_exchange: in schema\.prisma, missing in the database/);
  assert.deepEqual((dropped.details?.differences as string[]).length, 2);
});

test('optdb doctor --json reports the pending migration and exits 2', async () => {
  const db = await databases.empty('doctor_migrations_cli');
  const result = await runCli(['doctor', '--json'], { DATABASE_URL: db.url, DIRECT_URL: undefined });
  assert.equal(result.code, 2, result.stderr);
  const report = JSON.parse(result.stdout) as { ok: boolean; checks: { id: string; status: string; remedy?: string }[] };
  assert.equal(report.ok, false);
  const applied = report.checks.find((check) => check.id === 'migrations.applied');
  assert.equal(applied?.status, 'fail');
  assert.match(applied?.remedy ?? '', /optdb migrate/);
});
