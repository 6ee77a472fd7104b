/**
 * Rows grouped into batches bounded by count and by bytes. Within a batch, rows with the
 * same key collapse to the last one: a single INSERT … ON CONFLICT may not propose a key
 * twice (SQLSTATE 21000, "cannot affect row a second time"). Rows leave in key order so
 * that concurrent batches lock shared rows in the same order and cannot deadlock.
 */
import { type ContractRow, mergeContracts } from '../domain/contract.js';
import { HASH_START, hashText, KeySlots } from './key-slots.js';
import type { LedgerEntry } from './ledger.js';
import type { TableRow, TableSpec } from './tables.js';

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

/*
 * The batch being gathered is kept in slots: one per distinct key, in the order each key
 * first came, found by hash (KeySlots) — and likewise one per distinct contract. Flush
 * puts them in key order: not at all when the keys came in order (a file sorted by
 * ticker), and with one sort for rows and contracts alike when each key brought its own
 * ticker's contract (a file of one day's bars). The slot arrays are reused batch after
 * batch and a batch gets copies: growing them anew for every batch would allocate
 * several times their size.
 */
export class Batcher {
  private rowCount = 0;
  private readonly rows: (TableRow | undefined)[] = [];
  /** Each slot's value of the key's first column, for comparing without reading the row by name. */
  private readonly firsts: string[] = [];
  private readonly locations: number[] = [];
  private readonly records: number[] = [];
  private readonly rowHashes: number[] = [];
  private readonly rowSlots = new KeySlots();
  private contractCount = 0;
  private readonly contracts: (ContractRow | undefined)[] = [];
  private readonly contractHashes: number[] = [];
  private readonly contractSlots = new KeySlots();
  /** Every new key came after the one before it: the slots are in key order. */
  private rowsInOrder = true;
  /** Contract slot i is the contract of row slot i's key, whose first column is its ticker. */
  private contractsByRow = true;
  private collapsed = 0;
  private bytes = 0;
  private firstRecord = 0;
  private lastRecord = 0;
  private readonly key: readonly string[];
  private readonly columns: readonly string[];
  private readonly rowHashOf = (slot: number) => this.rowHashes[slot]!;
  private readonly contractHashOf = (slot: number) => this.contractHashes[slot]!;

  constructor(
    readonly table: TableSpec,
    private readonly limits: BatchLimits = DEFAULT_BATCH_LIMITS,
  ) {
    this.key = table.key;
    this.columns = table.columns.map((column) => column.name);
  }

  /**
   * Adds a row; `record` is its number in the input, `location` its line or result number.
   * Returns a full batch when this row reached a bound.
   */
  add(row: TableRow, contract: ContractRow, record: number, location = record): Batch | undefined {
    const key = this.key;
    const first = row[key[0]!] ?? '';
    const firstHash = hashText(HASH_START, first);
    let hash = firstHash;
    for (let i = 1; i < key.length; i++) hash = hashText(hash, row[key[i]!] ?? '');

    let position = this.rowSlots.start(hash);
    let slot = this.rowSlots.slotAt(position);
    while (slot !== -1 && !(this.rowHashes[slot] === hash && this.firsts[slot] === first && sameRest(key, this.rows[slot]!, row))) {
      position = this.rowSlots.next(position);
      slot = this.rowSlots.slotAt(position);
    }
    const newKey = slot === -1;
    if (newKey) {
      slot = this.rowCount++;
      if (this.rowsInOrder && slot > 0 && this.compareSlotTo(slot - 1, first, row) >= 0) this.rowsInOrder = false;
      this.firsts[slot] = first;
      this.rowHashes[slot] = hash;
      this.rowSlots.put(position, slot, this.rowHashOf);
    } else {
      this.collapsed++;
    }
    this.rows[slot] = row;
    this.locations[slot] = location;
    this.records[slot] = record;
    const ownTicker = contract.ticker === first;
    this.addContract(contract, ownTicker ? firstHash : hashText(HASH_START, contract.ticker), newKey && ownTicker ? slot : -1);

    if (this.firstRecord === 0) this.firstRecord = record;
    this.lastRecord = record;
    this.bytes += rowBytes(this.columns, row);
    return this.rowCount >= this.limits.maxRows || this.bytes >= this.limits.maxBytes ? this.flush() : undefined;
  }

  /** `rowSlot`: the new row slot whose key's ticker this contract is, or -1. */
  private addContract(contract: ContractRow, hash: number, rowSlot: number): void {
    let position = this.contractSlots.start(hash);
    let slot = this.contractSlots.slotAt(position);
    while (slot !== -1 && !(this.contractHashes[slot] === hash && this.contracts[slot]!.ticker === contract.ticker)) {
      position = this.contractSlots.next(position);
      slot = this.contractSlots.slotAt(position);
    }
    if (slot === -1) {
      slot = this.contractCount++;
      this.contracts[slot] = contract;
      this.contractHashes[slot] = hash;
      this.contractSlots.put(position, slot, this.contractHashOf);
      if (slot !== rowSlot) this.contractsByRow = false;
    } else {
      this.contracts[slot] = mergeContracts(this.contracts[slot]!, contract);
      if (rowSlot !== -1) this.contractsByRow = false;
    }
  }

  /** The rows gathered so far as a batch (undefined if none), and a fresh start. */
  flush(): Batch | undefined {
    const count = this.rowCount;
    if (count === 0) return undefined;
    const order = this.rowsInOrder ? undefined : this.keyOrder();
    const inOrder = <T>(slots: readonly (T | undefined)[]): T[] =>
      (order ? order.map((slot) => slots[slot]) : slots.slice(0, count)) as T[];
    const batch: Batch = {
      table: this.table,
      rows: inOrder(this.rows),
      locations: inOrder(this.locations),
      records: inOrder(this.records),
      contracts: this.contractsByRow ? inOrder(this.contracts) : byTicker(this.contracts.slice(0, this.contractCount) as ContractRow[]),
      collapsed: this.collapsed,
      firstRecord: this.firstRecord,
      lastRecord: this.lastRecord,
    };
    // The slots let go of the rows and contracts (the batch has them) and start again.
    this.rows.fill(undefined, 0, count);
    this.contracts.fill(undefined, 0, this.contractCount);
    this.rowCount = 0;
    this.contractCount = 0;
    this.rowSlots.clear();
    this.contractSlots.clear();
    this.rowsInOrder = true;
    this.contractsByRow = true;
    this.collapsed = 0;
    this.bytes = 0;
    this.firstRecord = 0;
    this.lastRecord = 0;
    return batch;
  }

  /** The row slots in key order. */
  private keyOrder(): number[] {
    const order = Array.from({ length: this.rowCount }, (_, slot) => slot);
    const firsts = this.firsts;
    // Contracts by row: each key's first column is a distinct ticker, which orders it alone.
    if (this.contractsByRow) return order.sort((a, b) => (firsts[a]! < firsts[b]! ? -1 : firsts[a]! > firsts[b]! ? 1 : 0));
    return order.sort((a, b) => this.compareSlotTo(a, firsts[b]!, this.rows[b]!));
  }

  /** Key order of a slot's row and another row (whose first key column is `first`). */
  private compareSlotTo(slot: number, first: string, row: TableRow): number {
    const mine = this.firsts[slot]!;
    if (mine !== first) return mine < first ? -1 : 1;
    return compareRest(this.key, this.rows[slot]!, row);
  }
}

function byTicker(contracts: ContractRow[]): ContractRow[] {
  return contracts.sort((a, b) => (a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : 0));
}

/** Whether two rows agree on the key's columns after the first. */
function sameRest(key: readonly string[], a: TableRow, b: TableRow): boolean {
  for (let i = 1; i < key.length; i++) if ((a[key[i]!] ?? '') !== (b[key[i]!] ?? '')) return false;
  return true;
}

/** Key order on the columns after the first: column by column, each as text. */
function compareRest(key: readonly string[], a: TableRow, b: TableRow): number {
  for (let i = 1; i < key.length; i++) {
    const x = a[key[i]!] ?? '';
    const y = b[key[i]!] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function rowBytes(columns: readonly string[], row: TableRow): number {
  let bytes = 0;
  for (let i = 0; i < columns.length; i++) bytes += (row[columns[i]!]?.length ?? 0) + FIELD_OVERHEAD_BYTES;
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
