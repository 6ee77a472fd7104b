import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.js';
import { CopyMergeStrategy } from './copy-merge.js';
import { PrismaUpsertStrategy } from './prisma-upsert.js';
import type { StrategyName, WriteStrategy } from './strategy.js';
import { UnnestUpsertStrategy } from './unnest-upsert.js';

/** The strategies share the process's one pool: COPY uses it directly, the others through Prisma. */
export function createStrategy(name: StrategyName, pool: pg.Pool, prisma: PrismaClient): WriteStrategy {
  switch (name) {
    case 'copy':
      return new CopyMergeStrategy(pool);
    case 'unnest':
      return new UnnestUpsertStrategy(prisma);
    case 'prisma':
      return new PrismaUpsertStrategy(prisma);
  }
}
