/**
 * The import ledger (table `import_batches`): each batch's row range is recorded in the
 * same transaction as its rows — the write strategies do it, with RECORD_BATCH — so after
 * a crash the ledger says exactly which rows are in the database. A rerun skips records
 * inside committed ranges.
 */
import type pg from 'pg';
import { retryTransient } from '../db/retry.js';
import type { RetryLimits } from '../retry-limits.js';
import { RECORD_BATCH, SELECT_COMMITTED } from './sql/ledger.js';

/** Where a batch came from; recorded with it. */
export interface LedgerEntry {
  readonly importId: string;
  readonly firstRecord: number;
  readonly lastRecord: number;
  readonly rows: number;
}

/** RECORD_BATCH's parameters for one entry. */
export function ledgerParameters(entry: LedgerEntry): (string | number)[] {
  return [entry.importId, entry.firstRecord, entry.lastRecord, entry.rows];
}

/**
 * Records a batch that was written in parts (its entry could not ride along in one
 * transaction). `limits`: the user's retry limits, the same as the batches'.
 */
export async function recordBatch(pool: pg.Pool, entry: LedgerEntry, limits: RetryLimits): Promise<void> {
  await retryTransient(() => pool.query(RECORD_BATCH, ledgerParameters(entry)), limits);
}

/** The committed ranges of one input, asked in increasing record order (as sources read). */
export class CommittedRanges {
  private next = 0;

  constructor(private readonly ranges: readonly { first: number; last: number }[]) {}

  /** Whether this record is already committed. Record numbers must not decrease between calls. */
  contains(record: number): boolean {
    while (this.next < this.ranges.length && this.ranges[this.next]!.last < record) this.next++;
    const range = this.ranges[this.next];
    return range !== undefined && range.first <= record;
  }
}

/** `limits`: the user's retry limits, the same as the batches'. */
export async function loadCommittedRanges(pool: pg.Pool, importId: string, limits: RetryLimits): Promise<CommittedRanges> {
  const { rows } = await retryTransient(
    () => pool.query<{ first_record: number; last_record: number }>(SELECT_COMMITTED, [importId]),
    limits,
  );
  return new CommittedRanges(rows.map((row) => ({ first: row.first_record, last: row.last_record })));
}
