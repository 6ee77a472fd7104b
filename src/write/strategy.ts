/** What every write strategy does with a batch, and what it reports. */
import type { Batch } from './batch.js';

export type StrategyName = 'copy' | 'unnest' | 'prisma';
export const STRATEGY_NAMES: readonly StrategyName[] = ['copy', 'unnest', 'prisma'];

export interface WriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  contractsCreated: number;
  contractsUpdated: number;
}

export interface WriteStrategy {
  readonly name: StrategyName;
  /** Writes the whole batch — contracts first, then rows — in one transaction, or nothing. */
  write(batch: Batch): Promise<WriteCounts>;
  /**
   * Completes what the strategy left pending for an input once its batches are written
   * (the copy strategy's day loads), and says how the counts reported for them change.
   */
  finishInput?(importId: string | undefined): Promise<CountCorrection>;
}

/** A change to counts already reported: negative for rows first counted as inserted. */
export type CountCorrection = WriteCounts & { collapsed: number };

/**
 * A set-based strategy's counts for a batch: its merge statement says how many rows it
 * inserted and updated; every other row of the batch was already there, unchanged.
 */
export function mergeCounts(
  batch: Batch,
  merged: { readonly inserted: number; readonly updated: number },
  contracts: { readonly created: number; readonly enriched: number },
): WriteCounts {
  const { inserted, updated } = merged;
  return {
    inserted,
    updated,
    unchanged: batch.rows.length - inserted - updated,
    contractsCreated: contracts.created,
    contractsUpdated: contracts.enriched,
  };
}

export function emptyCounts(): WriteCounts {
  return { inserted: 0, updated: 0, unchanged: 0, contractsCreated: 0, contractsUpdated: 0 };
}

export function addCounts(total: WriteCounts, more: WriteCounts): void {
  total.inserted += more.inserted;
  total.updated += more.updated;
  total.unchanged += more.unchanged;
  total.contractsCreated += more.contractsCreated;
  total.contractsUpdated += more.contractsUpdated;
}
