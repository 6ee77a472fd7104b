/**
 * option_day_aggs is partitioned by trading day: one partition per day (`option_day_aggs_20251120`),
 * except the rows a database held before it was partitioned, which stay in one partition
 * of their whole range (`option_day_aggs_20251117_20251122`).
 *
 * A day gets its partition from whoever first writes it: a day file's load attaches the
 * table it loaded (write/day-load.ts), any other write creates an empty one first. A
 * partition is created as a table of its own and then attached, never with
 * `CREATE TABLE … PARTITION OF`: attaching takes a lock on the parent that lets readers
 * and writers of other days go on, where creating one in place would wait for every
 * transaction that touches the table and make every later one wait behind it.
 */
import pg from 'pg';
import type { TableRow } from '../schema/tables.js';
import { inTransaction } from './transaction.js';
import { withPooledClient } from './pool.js';

export const DAY_AGGS_TABLE = 'option_day_aggs';

/** A partition's range of days: `from` included, `to` not (YYYY-MM-DD); a default partition has neither. */
export interface DayRange {
  readonly name: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
}

// The first key of the advisory locks taken around partitions of a day (the second is the day).
const PARTITION_LOCK = 0x6f706462; // 'optd'

/** The tables new days are loaded into before they are attached (write/day-load.ts). */
export const LOADING_TABLE_PREFIX = `${DAY_AGGS_TABLE}_load_`;

/** `2025-11-20` → `option_day_aggs_load_20251120`. */
export function loadingTableName(day: string): string {
  return `${LOADING_TABLE_PREFIX}${day.replaceAll('-', '')}`;
}

/** `2025-11-20` → `option_day_aggs_20251120`. */
export function dayPartitionName(day: string): string {
  return `${DAY_AGGS_TABLE}_${day.replaceAll('-', '')}`;
}

export function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** The partition whose range holds `day`, or else a default partition, if any. */
export function holding(ranges: readonly DayRange[], day: string): string | undefined {
  const range = ranges.find((r) => r.from !== undefined && r.from <= day && day < r.to!) ?? ranges.find((r) => r.from === undefined);
  return range?.name;
}

const PARTITION_BOUNDS = `
  SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = to_regclass($1)`;

// `FOR VALUES FROM ('2025-11-20') TO ('2025-11-21')`, or `DEFAULT`.
const RANGE_BOUND = /^FOR VALUES FROM \('(\d{4}-\d{2}-\d{2})'\) TO \('(\d{4}-\d{2}-\d{2})'\)$/;

/** A partition bound as pg_get_expr prints it → its days, or undefined for any other bound (DEFAULT). A date prints alike in every time zone. */
export function parseDayBound(bound: string): { from: string; to: string } | undefined {
  const range = RANGE_BOUND.exec(bound);
  return range ? { from: range[1]!, to: range[2]! } : undefined;
}

/** The partitions of option_day_aggs with their ranges; a partition of any other bound counts as covering every day. */
export async function dayPartitions(client: pg.ClientBase): Promise<DayRange[]> {
  const { rows } = await client.query<{ name: string; bound: string }>(PARTITION_BOUNDS, [DAY_AGGS_TABLE]);
  return rows.map(({ name, bound }) => {
    const range = parseDayBound(bound);
    return { name, from: range?.from, to: range?.to };
  });
}

/**
 * Takes the transaction-scoped lock that orders everything done to the partitions of
 * `day` (creating one, starting or finishing a load): two processes never both create it.
 */
export async function lockDay(client: pg.ClientBase, day: string): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock($1, ($2::date - DATE '2000-01-01'))", [PARTITION_LOCK, day]);
}

/**
 * Attaches `table` (holding only rows of `day`, with no key or index) as the day's
 * partition, renamed to the partition's name. The CHECK constraint matching the bound
 * spares the attach a scan of the table; the parent's key and index are built on it and
 * its foreign key checked in one pass each. In the caller's transaction, after lockDay.
 */
export async function attachDay(client: pg.ClientBase, table: string, day: string): Promise<string> {
  const name = dayPartitionName(day);
  const ident = pg.escapeIdentifier;
  const [from, to] = [pg.escapeLiteral(day), pg.escapeLiteral(nextDay(day))];
  if (table !== name) await client.query(`ALTER TABLE ${ident(table)} RENAME TO ${ident(name)}`);
  await client.query(`ALTER TABLE ${ident(name)} ADD CONSTRAINT ${ident(`${name}_day_check`)} CHECK (day >= ${from} AND day < ${to})`);
  await client.query(`ALTER TABLE ${ident(DAY_AGGS_TABLE)} ATTACH PARTITION ${ident(name)} FOR VALUES FROM (${from}) TO (${to})`);
  return name;
}

/** Creates and attaches an empty partition for `day`; in the caller's transaction, after lockDay. */
export async function createEmptyDayPartition(client: pg.ClientBase, day: string): Promise<string> {
  const table = dayPartitionName(day);
  await client.query(createBareDayTable(table));
  return attachDay(client, table, day);
}

/**
 * A bare table shaped like option_day_aggs: its columns, defaults and CHECK constraints
 * (which a partition must have, and which refuse a bad row as it comes), no key, index or
 * foreign key.
 */
export function createBareDayTable(table: string): string {
  return `CREATE TABLE ${pg.escapeIdentifier(table)} (LIKE ${pg.escapeIdentifier(DAY_AGGS_TABLE)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`;
}

/**
 * The days that have a partition, as far as this process knows, and a way to make sure
 * the others get one. Each missing day's partition is created in a short transaction of
 * its own — never inside a batch's, which would hold its locks while waiting — under the
 * day's advisory lock, so any number of processes can ask for the same day at once.
 */
export class DayPartitionSet {
  private ranges: DayRange[] | undefined;

  constructor(private readonly pool: pg.Pool) {}

  /** The partition holding `day`, if there is one; reads the catalog again when there was none the last time. */
  async partitionOf(day: string): Promise<string | undefined> {
    const known = this.ranges && holding(this.ranges, day);
    if (known) return known;
    this.ranges = await withPooledClient(this.pool, (client) => dayPartitions(client));
    return holding(this.ranges, day);
  }

  async has(day: string): Promise<boolean> {
    return (await this.partitionOf(day)) !== undefined;
  }

  /** Creates the partitions a batch of option_day_aggs rows needs (of any other table, none). */
  async ensureFor(table: string, rows: readonly TableRow[]): Promise<void> {
    if (table !== DAY_AGGS_TABLE) return;
    const days = new Set<string>();
    for (const row of rows) days.add(row['day']!);
    for (const day of days) await this.ensure(day);
  }

  /** The day's partition, created empty if it has none. */
  async ensure(day: string): Promise<string> {
    const known = await this.partitionOf(day);
    if (known) return known;
    const name = await withPooledClient(this.pool, (client) =>
      inTransaction(client, async () => {
        await lockDay(client, day);
        return holding(await dayPartitions(client), day) ?? createEmptyDayPartition(client, day);
      }),
    );
    this.ranges = undefined;
    return name;
  }

  /** Forgets what it knew: partitions were attached or dropped. */
  forget(): void {
    this.ranges = undefined;
  }
}
