/**
 * The database is what optdb expects: every migration applied (read through the direct
 * URL, as `optdb migrate` would), and the tables, columns, keys and indexes the same as
 * prisma/schema.prisma describes — a schema out of sync, found before a write fails on it
 * with 42P01 (undefined table) or 42703 (undefined column).
 */
import type pg from 'pg';
import { classifyError } from '../db/error-policy.js';
import { type MigrationState, type MigrationStatus, migrationStatus } from '../db/migrator.js';
import { withPooledClient } from '../db/pool.js';
import { findSchemaDrift } from '../db/schema-drift.js';
import type { CheckFamily, CheckResult } from './check.js';

/** Differences shown in the summary; details has them all. */
const SHOWN_DIFFERENCES = 3;

const MIGRATE = 'run `optdb migrate`';

/** What each state that is not `applied` means, and what to do about it. */
const PROBLEMS: Readonly<Record<Exclude<MigrationState, 'applied'>, { status: 'warn' | 'fail'; meaning: string; remedy: string }>> = {
  pending: { status: 'fail', meaning: 'pending (not applied: its tables or columns are missing)', remedy: MIGRATE },
  failed: {
    status: 'fail',
    meaning: 'recorded as failed (started, never finished: optdb rolled it back, `prisma migrate` may have left it half applied)',
    remedy:
      'check the database by hand, then mark it with `prisma migrate resolve --applied|--rolled-back <name>` (or delete its row from _prisma_migrations) and run `optdb migrate`',
  },
  modified: {
    status: 'fail',
    meaning: 'modified (its migration.sql changed after it was applied: the database may not match the file)',
    remedy: 'restore the applied migration.sql unchanged and put the change in a new migration',
  },
  'missing-locally': {
    status: 'warn',
    meaning: 'applied in the database but not shipped with this optdb (a newer optdb migrated it)',
    remedy: 'upgrade optdb to the release that migrated this database',
  },
};

export const migrations: CheckFamily = {
  name: 'migrations',
  async run({ pool, directUrl }) {
    let status: MigrationStatus;
    try {
      status = await migrationStatus(directUrl);
    } catch (error) {
      const { code, message, policy } = classifyError(error);
      return [
        {
          id: 'migrations.applied',
          status: 'fail',
          summary: `cannot read the migration state through the direct URL: ${code} ${message}`,
          remedy: policy.remedy,
          details: { code },
        },
        notCompared('the migration state could not be read'),
      ];
    }
    const blocking = status.entries.filter((entry) => entry.state === 'pending' || entry.state === 'failed');
    return [applied(status), blocking.length > 0 ? notCompared(`${blocking.length} migration(s) not applied`) : await schema(pool)];
  },
};

function applied(status: MigrationStatus): CheckResult {
  const local = status.entries.filter((entry) => entry.state !== 'missing-locally');
  const done = local.filter((entry) => entry.state === 'applied');
  const details = { total: local.length, applied: done.length, entries: status.entries.map(({ name, state }) => ({ name, state })) };
  if (local.length > 0 && status.entries.every((entry) => entry.state === 'pending')) {
    return {
      id: 'migrations.applied',
      status: 'fail',
      summary: `no optdb schema here: 0 of ${local.length} migrations applied`,
      remedy: MIGRATE,
      details,
    };
  }
  if (status.upToDate) {
    const latest = done.at(-1);
    const when = latest?.finishedAt ? ` on ${latest.finishedAt.toISOString()}` : '';
    return {
      id: 'migrations.applied',
      status: 'pass',
      summary: `all ${local.length} migrations applied, the latest ${latest?.name ?? 'none'}${when}`,
      details,
    };
  }
  const problems = (Object.keys(PROBLEMS) as (keyof typeof PROBLEMS)[])
    .map((state) => ({
      state,
      ...PROBLEMS[state],
      names: status.entries.filter((entry) => entry.state === state).map((entry) => entry.name),
    }))
    .filter((problem) => problem.names.length > 0);
  return {
    id: 'migrations.applied',
    status: problems.some((problem) => problem.status === 'fail') ? 'fail' : 'warn',
    summary: problems
      .map((problem) => `${problem.names.length} of ${local.length} migrations ${problem.meaning}: ${problem.names.join(', ')}`)
      .join('; '),
    remedy: problems.map((problem) => problem.remedy).join('; then '),
    details,
  };
}

async function schema(pool: pg.Pool): Promise<CheckResult> {
  const differences = await withPooledClient(pool, (client) => findSchemaDrift(client));
  if (differences.length === 0)
    return {
      id: 'migrations.schema',
      status: 'pass',
      summary: 'the database schema matches prisma/schema.prisma',
      details: { differences },
    };
  // Objects added by hand (an index of one's own) do not stop optdb; anything missing or
  // changed does (42P01, 42703, a NOT NULL or type optdb does not write).
  const addedOnly = differences.every((line) => line.endsWith('in the database, missing in schema.prisma'));
  const shown = differences.slice(0, SHOWN_DIFFERENCES).join('; ') + (differences.length > SHOWN_DIFFERENCES ? '; …' : '');
  return {
    id: 'migrations.schema',
    status: addedOnly ? 'warn' : 'fail',
    summary: `${differences.length} difference(s) from prisma/schema.prisma: ${shown}`,
    remedy: addedOnly
      ? "objects were added by hand: harmless unless they constrain optdb's writes (a NOT NULL column without a default, a unique key); drop them or keep them knowingly"
      : 'the schema was changed by hand: undo the change (the migrations in prisma/migrations are the reference), or add a migration if it was meant',
    details: { differences },
  };
}

/** Comparing the schema says nothing new while migrations are missing: said so, not judged. */
function notCompared(reason: string): CheckResult {
  return {
    id: 'migrations.schema',
    status: 'warn',
    summary: `not compared with prisma/schema.prisma: ${reason} (see migrations.applied)`,
    remedy: `${MIGRATE}, then rerun \`optdb doctor\``,
  };
}
