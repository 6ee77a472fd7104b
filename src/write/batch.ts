/**
 * Rows grouped into batches bounded by count and by bytes. Within a batch, rows with the
 * same key collapse to the last one: a single INSERT … ON CONFLICT may not propose a key
 * twice (SQLSTATE 21000, "cannot affect row a second time"). Rows leave in key order so
 * that concurrent batches lock shared rows in the same order and cannot deadlock.
 */
import { type ContractRow, ContractSet } from '../domain/contract.js';
import type { LedgerEntry } from './ledger.js';
import { rowKey, type TableRow, type TableSpec } from './tables.js';

export interface Batch {
  readonly table: TableSpec;
  /** Distinct by key, in key order. */
  readonly rows: readonly TableRow[];
  /** Each row's location in its input (line or result number), for reporting a row the database refuses. */
  readonly locations: readonly number[];
  /** Each row's record number, for leaving a refused row out of the ledger. */
  readonly records: readonly number[];
  /** The contracts the rows reference, distinct, in ticker order. */
  readonly contracts: readonly ContractRow[];
  /** Input rows that a later row with the same key replaced. */
  readonly collapsed: number;
  /** The input records covered, numbered from 1 in the order the source yields them. */
  readonly firstRecord: number;
  readonly lastRecord: number;
  /** The input's name, for reporting a row the database refuses. */
  readonly source?: string | undefined;
  /** When set, the batch is recorded in the import ledger in its own transaction. */
  readonly ledger?: LedgerEntry | undefined;
}

export interface BatchLimits {
  readonly maxRows: number;
  readonly maxBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxRows: 5_000, maxBytes: 8 * 1024 * 1024 };

// A row's approximate in-memory and on-the-wire cost: its text plus per-field overhead.
const FIELD_OVERHEAD_BYTES = 8;

export class Batcher {
  private rows = new Map<string, { row: TableRow; location: number; record: number }>();
  private contracts = new ContractSet();
  private collapsed = 0;
  private bytes = 0;
  private firstRecord = 0;
  private lastRecord = 0;

  constructor(
    readonly table: TableSpec,
    private readonly limits: BatchLimits = DEFAULT_BATCH_LIMITS,
  ) {}

  /**
   * Adds a row; `record` is its number in the input, `location` its line or result number.
   * Returns a full batch when this row reached a bound.
   */
  add(row: TableRow, contract: ContractRow, record: number, location = record): Batch | undefined {
    const key = rowKey(this.table, row);
    if (this.rows.has(key)) this.collapsed++;
    this.rows.set(key, { row, location, record });
    this.contracts.add(contract);
    if (this.firstRecord === 0) this.firstRecord = record;
    this.lastRecord = record;
    this.bytes += rowBytes(this.table, row);
    return this.rows.size >= this.limits.maxRows || this.bytes >= this.limits.maxBytes ? this.flush() : undefined;
  }

  /** The rows gathered so far as a batch (undefined if none), and a fresh start. */
  flush(): Batch | undefined {
    if (this.rows.size === 0) return undefined;
    const entries = [...this.rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const batch: Batch = {
      table: this.table,
      rows: entries.map(([, entry]) => entry.row),
      locations: entries.map(([, entry]) => entry.location),
      records: entries.map(([, entry]) => entry.record),
      contracts: this.contracts.sorted(),
      collapsed: this.collapsed,
      firstRecord: this.firstRecord,
      lastRecord: this.lastRecord,
    };
    this.rows = new Map();
    this.contracts = new ContractSet();
    this.collapsed = 0;
    this.bytes = 0;
    this.firstRecord = 0;
    this.lastRecord = 0;
    return batch;
  }
}

function rowBytes(table: TableSpec, row: TableRow): number {
  let bytes = 0;
  for (const column of table.columns) bytes += (row[column.name]?.length ?? 0) + FIELD_OVERHEAD_BYTES;
  return bytes;
}

/** The batch's rows in two halves (key order kept), each with just the contracts it references. */
export function splitBatch(batch: Batch): [Batch, Batch] {
  const middle = Math.ceil(batch.rows.length / 2);
  const half = (from: number, to: number): Batch => {
    const rows = batch.rows.slice(from, to);
    const tickers = new Set(rows.map((row) => row.ticker));
    return {
      table: batch.table,
      rows,
      locations: batch.locations.slice(from, to),
      records: batch.records.slice(from, to),
      contracts: batch.contracts.filter((c) => tickers.has(c.ticker)),
      collapsed: 0,
      source: batch.source,
      firstRecord: batch.firstRecord,
      lastRecord: batch.lastRecord,
    };
  };
  return [half(0, middle), half(middle, batch.rows.length)];
}
