/** A migrated test database with optdb's one pool and Prisma client over it. */
import type pg from 'pg';
import { resolveConfig } from '../../src/config.js';
import { openConnections } from '../../src/db/pool.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { createMigratedDatabase, type TestDatabase } from './database.js';

export interface ConnectedDatabase extends TestDatabase {
  readonly pool: pg.Pool;
  readonly prisma: PrismaClient;
  /** Disconnects, then drops the database. */
  close(): Promise<void>;
}

export async function connectMigratedDatabase(label: string, poolSize = 4): Promise<ConnectedDatabase> {
  const db = await createMigratedDatabase(label);
  const { pool, prisma, close } = openConnections(db.url, resolveConfig({}, { OPTDB_POOL_SIZE: String(poolSize) }));
  return {
    ...db,
    pool,
    prisma,
    close: async () => {
      await close();
      await db.drop();
    },
  };
}
