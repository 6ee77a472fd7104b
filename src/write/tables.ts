/**
 * The tables optdb writes rows into, as the writers see them: column names, their SQL
 * types (for casts from text), and the key. Identifiers in writer SQL come only from
 * this fixed list, never from input.
 */
export type ColumnType = 'text' | 'numeric' | 'bigint' | 'integer' | 'double precision' | 'timestamptz' | 'date';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
}

export interface TableSpec {
  readonly name: 'option_snapshots' | 'option_day_aggs';
  readonly columns: readonly ColumnSpec[];
  readonly key: readonly string[];
  /** A column set to now() whenever the row is written (not compared for changes). */
  readonly touchedAt: string | undefined;
}

/** A row for a TableSpec: every value as exact text (or null), keyed by column name. */
export type TableRow = Readonly<Record<string, string | null>>;

const column = (name: string, type: ColumnType): ColumnSpec => ({ name, type });

export const SNAPSHOTS: TableSpec = {
  name: 'option_snapshots',
  key: ['ticker', 'captured_at'],
  touchedAt: 'ingested_at',
  columns: [
    column('ticker', 'text'),
    column('captured_at', 'timestamptz'),
    column('day_open', 'numeric'),
    column('day_high', 'numeric'),
    column('day_low', 'numeric'),
    column('day_close', 'numeric'),
    column('day_volume', 'bigint'),
    column('day_vwap', 'numeric'),
    column('day_change', 'numeric'),
    column('day_change_percent', 'numeric'),
    column('previous_close', 'numeric'),
    column('open_interest', 'bigint'),
    column('implied_volatility', 'double precision'),
    column('delta', 'double precision'),
    column('gamma', 'double precision'),
    column('theta', 'double precision'),
    column('vega', 'double precision'),
    column('bid', 'numeric'),
    column('bid_size', 'bigint'),
    column('ask', 'numeric'),
    column('ask_size', 'bigint'),
    column('quote_at', 'timestamptz'),
    column('last_price', 'numeric'),
    column('last_size', 'bigint'),
    column('last_exchange', 'integer'),
    column('last_trade_at', 'timestamptz'),
    column('underlying_price', 'numeric'),
    column('break_even_price', 'numeric'),
    column('source', 'text'),
  ],
};

export const DAY_AGGS: TableSpec = {
  name: 'option_day_aggs',
  key: ['ticker', 'day'],
  touchedAt: undefined,
  columns: [
    column('ticker', 'text'),
    column('day', 'date'),
    column('open', 'numeric'),
    column('high', 'numeric'),
    column('low', 'numeric'),
    column('close', 'numeric'),
    column('volume', 'bigint'),
    column('transactions', 'bigint'),
  ],
};

export function rowKey(table: TableSpec, row: TableRow): string {
  // Concatenated in a loop: called for every row, where map + join would allocate an array.
  const key = table.key;
  let text = row[key[0]!] ?? '';
  for (let i = 1; i < key.length; i++) text += `\u0000${row[key[i]!] ?? ''}`;
  return text;
}
