import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { DatabaseHooks } from '../db/database.js';
import { migrateDatabase, readMigrationStatus } from '../db/database-migrations.js';
import { redactUrl } from '../redact.js';
import { say } from './output.js';
import { onShutdown } from './shutdown.js';

export function registerMigrate(program: Command, config: () => Config): void {
  program
    .command('migrate')
    .description('apply pending migrations (same bookkeeping as `prisma migrate deploy`)')
    .option('--status', 'list applied and pending migrations; exit 1 unless up to date')
    .action(async (options: { status?: boolean }) => {
      const hooks: DatabaseHooks = {
        registerCleanup: onShutdown,
        onDatabase: (database) => say(`database: ${redactUrl(database.directUrl)}${database.embedded ? ' (embedded)' : ''}`),
      };
      if (options.status) {
        const status = await readMigrationStatus(config(), hooks);
        const stateWidth = Math.max(0, ...status.entries.map((entry) => entry.state.length));
        const nameWidth = Math.max(0, ...status.entries.map((entry) => entry.name.length));
        for (const entry of status.entries) {
          const when = entry.finishedAt ? `  ${entry.finishedAt.toISOString()}` : '';
          say(`  ${entry.state.padEnd(stateWidth)}  ${entry.finishedAt ? entry.name.padEnd(nameWidth) : entry.name}${when}`);
        }
        say(status.upToDate ? 'up to date' : `${status.pending.length} pending; run \`optdb migrate\``);
        if (!status.upToDate) process.exitCode = 1;
        return;
      }
      const result = await migrateDatabase(config(), hooks);
      for (const name of result.applied) say(`  applied ${name}`);
      say(
        result.applied.length === 0
          ? `up to date (${result.alreadyApplied} migration(s) already applied)`
          : `applied ${result.applied.length} migration(s)`,
      );
    });
}
