/**
 * The import ledger (table `import_batches`): each batch's row range is recorded in the
 * same transaction as its rows, so after a crash the ledger says exactly which rows are
 * in the database. A rerun skips records inside committed ranges.
 */
import type pg from 'pg';
import { retryTransient } from '../db/retry.js';
import type { RetryLimits } from '../retry-limits.js';

/** Where a batch came from; recorded with it. */
export interface LedgerEntry {
  readonly importId: string;
  readonly firstRecord: number;
  readonly lastRecord: number;
  readonly rows: number;
}

export const RECORD_BATCH = `
  INSERT INTO import_batches (import_id, first_record, last_record, rows)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (import_id, first_record) DO NOTHING`;

/**
 * Records a batch that was written in parts (its entry could not ride along in one
 * transaction). `limits`: the user's retry limits, the same as the batches'.
 */
export async function recordBatch(pool: pg.Pool, entry: LedgerEntry, limits: RetryLimits): Promise<void> {
  await retryTransient(() => pool.query(RECORD_BATCH, ledgerParameters(entry)), limits);
}

export function ledgerParameters(entry: LedgerEntry): (string | number)[] {
  return [entry.importId, entry.firstRecord, entry.lastRecord, entry.rows];
}

const SELECT_COMMITTED = `
  SELECT first_record, last_record FROM import_batches WHERE import_id = $1 ORDER BY first_record`;

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
  const { rows } = await retryTransient(() => pool.query<{ first_record: number; last_record: number }>(SELECT_COMMITTED, [importId]), limits);
  return new CommittedRanges(rows.map((row) => ({ first: row.first_record, last: row.last_record })));
}
