import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.js';
import { CopyMergeStrategy } from './copy-merge.js';
import { PrismaUpsertStrategy } from './prisma-upsert.js';
import { STRATEGY_NAMES, type StrategyName, type WriteStrategy } from './strategy.js';
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

/**
 * `first`, then the simpler strategies a batch falls back to when a planner error (XX000)
 * persists: copy → unnest → prisma.
 */
export function createStrategyChain(
  first: StrategyName,
  pool: pg.Pool,
  prisma: PrismaClient,
): { strategy: WriteStrategy; fallbacks: WriteStrategy[] } {
  const [strategy, ...fallbacks] = STRATEGY_NAMES.slice(STRATEGY_NAMES.indexOf(first)).map((name) => createStrategy(name, pool, prisma));
  return { strategy: strategy!, fallbacks };
}
