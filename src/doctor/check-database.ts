/**
 * The doctor job: the check families run against the configured database, as `optdb
 * doctor` runs them — the database opened (the embedded server when there is no
 * DATABASE_URL) and a small pool of its own, both closed when the checks end.
 */
import type { Config } from '../config.js';
import { type DatabaseHooks, withDatabase } from '../db/database.js';
import { createPool } from '../db/pool.js';
import { CHECK_FAMILIES } from './check-families.js';
import { type CheckFamily, type CheckResult, createDoctorContext } from './check.js';
import { type DoctorReport, runDoctor } from './doctor.js';

// Enough for the checks plus one spare; doctor must not crowd a server short of connections.
const DOCTOR_POOL_SIZE = 2;

export interface CheckDatabaseOptions extends DatabaseHooks {
  /** optdb processes expected to write to this server at once, for the configuration check (default 1). */
  readonly workers?: number | undefined;
  /** Repair what is safe to repair: ANALYZE stale tables, under lock and statement timeouts. */
  readonly fix?: boolean | undefined;
  /** The families to run, in order (default CHECK_FAMILIES). */
  readonly families?: readonly CheckFamily[] | undefined;
  /** Each result as its family finishes: a check that waits is seen waiting after the others. */
  readonly onResult?: ((check: CheckResult) => void) | undefined;
}

/** Every statement runs under doctor's lock and statement timeouts: the checks end on their own, even on a server in trouble. */
export async function checkDatabase(config: Config, options: CheckDatabaseOptions = {}): Promise<DoctorReport> {
  return withDatabase(
    config,
    async (database) => {
      const pool = createPool(database.url, { poolSize: DOCTOR_POOL_SIZE, poolAcquireTimeoutMs: config.poolAcquireTimeoutMs });
      try {
        await options.onDatabase?.(database);
        const context = createDoctorContext({
          pool,
          url: database.url,
          directUrl: database.directUrl,
          config,
          workers: options.workers ?? 1,
          fix: options.fix ?? false,
        });
        return await runDoctor(context, options.families ?? CHECK_FAMILIES, options.onResult);
      } finally {
        await pool.end();
      }
    },
    options,
  );
}
