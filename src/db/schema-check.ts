/** Refuses to write into a database whose schema is behind optdb's migrations. */
import { OptdbError } from '../errors.js';
import { migrationStatus } from './migrator.js';

export async function requireMigratedSchema(url: string): Promise<void> {
  const status = await migrationStatus(url);
  if (!status.upToDate) {
    const problems = status.entries.filter((entry) => entry.state !== 'applied').map((entry) => `${entry.name} ${entry.state}`);
    throw new OptdbError('SCHEMA_NOT_MIGRATED', `The database schema is not up to date (${problems.join(', ')}).`, {
      remedy: 'Run `optdb migrate`.',
    });
  }
}
