/**
 * The import ledger (table `import_batches`): each batch's row range is recorded in the
 * same transaction as its rows, so after a crash the ledger says exactly which rows are
 * in the database. A rerun skips records inside committed ranges.
 */
import type pg from 'pg';
import { retryTransient } from '../db/retry.js';

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

/** Records a batch that was written in parts (its entry could not ride along in one transaction). */
export async function recordBatch(pool: pg.Pool, entry: LedgerEntry): Promise<void> {
  await retryTransient(() => pool.query(RECORD_BATCH, ledgerParameters(entry)));
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

export async function loadCommittedRanges(pool: pg.Pool, importId: string): Promise<CommittedRanges> {
  const { rows } = await retryTransient(() => pool.query<{ first_record: number; last_record: number }>(SELECT_COMMITTED, [importId]));
  return new CommittedRanges(rows.map((row) => ({ first: row.first_record, last: row.last_record })));
}
