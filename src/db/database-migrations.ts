/**
 * Migrations as jobs: against the configured database, opened (the embedded server when
 * there is no DATABASE_URL) and closed around them. Both go through the direct URL
 * (DIRECT_URL), which bypasses a transaction pooler.
 */
import type { Config } from '../config.js';
import { type DatabaseHooks, withDatabase } from './database.js';
import { migrate, type MigrateResult, migrationStatus, type MigrationStatus } from './migrator.js';

/** Applies the pending migrations, as `optdb migrate` does. */
export async function migrateDatabase(config: Config, hooks: DatabaseHooks = {}): Promise<MigrateResult> {
  return withDatabase(
    config,
    async (database) => {
      await hooks.onDatabase?.(database);
      return migrate(database.directUrl);
    },
    hooks,
  );
}

/** Which migrations are applied and which are pending, as `optdb migrate --status` shows. */
export async function readMigrationStatus(config: Config, hooks: DatabaseHooks = {}): Promise<MigrationStatus> {
  return withDatabase(
    config,
    async (database) => {
      await hooks.onDatabase?.(database);
      return migrationStatus(database.directUrl);
    },
    hooks,
  );
}
