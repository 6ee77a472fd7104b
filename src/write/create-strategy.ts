import type pg from 'pg';
import { DayPartitionSet } from '../db/day-partitions.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { type CopyMergeOptions, CopyMergeStrategy } from './copy-merge.js';
import { PrismaUpsertStrategy } from './prisma-upsert.js';
import { STRATEGY_NAMES, type StrategyName, type WriteStrategy } from './strategy.js';
import { UnnestUpsertStrategy } from './unnest-upsert.js';

/** The strategies share the process's one pool: COPY uses it directly, the others through Prisma. */
export function createStrategy(
  name: StrategyName,
  pool: pg.Pool,
  prisma: PrismaClient,
  partitions: DayPartitionSet = new DayPartitionSet(pool),
  copyOptions: CopyMergeOptions = {},
): WriteStrategy {
  switch (name) {
    case 'copy':
      return new CopyMergeStrategy(pool, partitions, copyOptions);
    case 'unnest':
      return new UnnestUpsertStrategy(prisma, partitions);
    case 'prisma':
      return new PrismaUpsertStrategy(prisma, partitions);
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
  copyOptions: CopyMergeOptions = {},
): { strategy: WriteStrategy; fallbacks: WriteStrategy[] } {
  const partitions = new DayPartitionSet(pool);
  const [strategy, ...fallbacks] = STRATEGY_NAMES.slice(STRATEGY_NAMES.indexOf(first)).map((name) =>
    createStrategy(name, pool, prisma, partitions, copyOptions),
  );
  return { strategy: strategy!, fallbacks };
}
