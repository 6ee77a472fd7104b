/**
 * Migrations as Prisma lays them out: `prisma/migrations/<timestamp>_<name>/migration.sql`,
 * applied in name order. The checksum is the SHA-256 of the file's bytes in hex — the value
 * Prisma stores in `_prisma_migrations.checksum`, so either tool recognizes the other's work.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MigrationFile {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

/** The migrations shipped with optdb (resolved from the package, not the working directory). */
export const BUNDLED_MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

const MIGRATION_NAME = /^\d{14}_[a-z0-9_]+$/i;

export async function readMigrationFiles(dir: string = BUNDLED_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory() && MIGRATION_NAME.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await fs.readFile(path.join(dir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    }),
  );
}
