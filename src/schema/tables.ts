/**
 * optdb's tables, described once in code: each table's name, its columns in order with
 * their PostgreSQL types, nullability and defaults, and its primary key. The writers'
 * column lists and keys, the contracts' text columns, doctor's list of tables and the
 * pipeline's table names are derived from here. The drift test checks this description
 * against prisma/schema.prisma and against a migrated database, so a column changed in
 * one of the three and not the others fails a test.
 *
 * Indexes, foreign keys and enum labels are not described here: no code derives anything
 * from them, and the drift test compares them between schema.prisma and the database.
 * Pure data: every layer may import it.
 */

/** Types as written in casts from text. */
export type ScalarType = 'text' | 'integer' | 'bigint' | 'double precision' | 'numeric' | 'date' | 'timestamptz';
/** The enum types the migrations create. */
export type EnumType = 'contract_type' | 'exercise_style';
export type ColumnType = ScalarType | EnumType;

export interface Column<Name extends string = string, Type extends ColumnType = ColumnType, DefaultNow extends boolean = boolean> {
  readonly name: Name;
  readonly type: Type;
  /** The type's modifiers: `[12, 3]` for `numeric(12,3)`, `[6]` for `timestamptz(6)`. */
  readonly modifiers: readonly number[];
  readonly nullable: boolean;
  /** Filled with the current time by the database when a write leaves it out. */
  readonly defaultNow: DefaultNow;
}

export interface Table<Name extends string = string, C extends Column = Column> {
  readonly name: Name;
  readonly columns: readonly C[];
  readonly primaryKey: readonly C['name'][];
}

/** A row of one of these tables: every value as exact text (or null), keyed by column name. */
export type TableRow = Readonly<Record<string, string | null>>;

function notNull<N extends string, T extends ColumnType>(name: N, type: T, ...modifiers: number[]): Column<N, T, false> {
  return { name, type, modifiers, nullable: false, defaultNow: false };
}

function nullable<N extends string, T extends ColumnType>(name: N, type: T, ...modifiers: number[]): Column<N, T, false> {
  return { name, type, modifiers, nullable: true, defaultNow: false };
}

/** A time the database records (microseconds, like every optdb timestamp). */
function recordedAt<N extends string>(name: N): Column<N, 'timestamptz', true> {
  return { name, type: 'timestamptz', modifiers: [6], nullable: false, defaultNow: true };
}

/** A table as written; the primary key may name only the table's own columns. */
function table<Name extends string, C extends Column>(spec: {
  name: Name;
  primaryKey: readonly NoInfer<C['name']>[];
  columns: readonly C[];
}): Table<Name, C> {
  return spec;
}

/** One row per contract, keyed by its Polygon ticker. */
export const OPTIONS = table({
  name: 'options',
  primaryKey: ['ticker'],
  columns: [
    notNull('ticker', 'text'),
    notNull('underlying_ticker', 'text'),
    notNull('root', 'text'),
    notNull('contract_type', 'contract_type'),
    notNull('expiration_date', 'date'),
    notNull('strike_price', 'numeric', 12, 3),
    nullable('shares_per_contract', 'integer'),
    nullable('exercise_style', 'exercise_style'),
    nullable('primary_exchange', 'text'),
    recordedAt('created_at'),
    recordedAt('updated_at'),
  ],
});

/** The state of one contract at one moment. */
export const OPTION_SNAPSHOTS = table({
  name: 'option_snapshots',
  primaryKey: ['ticker', 'captured_at'],
  columns: [
    notNull('ticker', 'text'),
    notNull('captured_at', 'timestamptz', 6),
    nullable('day_open', 'numeric'),
    nullable('day_high', 'numeric'),
    nullable('day_low', 'numeric'),
    nullable('day_close', 'numeric'),
    nullable('day_volume', 'bigint'),
    nullable('day_vwap', 'numeric'),
    nullable('day_change', 'numeric'),
    nullable('day_change_percent', 'numeric'),
    nullable('previous_close', 'numeric'),
    nullable('open_interest', 'bigint'),
    nullable('implied_volatility', 'double precision'),
    nullable('delta', 'double precision'),
    nullable('gamma', 'double precision'),
    nullable('theta', 'double precision'),
    nullable('vega', 'double precision'),
    nullable('bid', 'numeric'),
    nullable('bid_size', 'bigint'),
    nullable('ask', 'numeric'),
    nullable('ask_size', 'bigint'),
    nullable('quote_at', 'timestamptz', 6),
    nullable('last_price', 'numeric'),
    nullable('last_size', 'bigint'),
    nullable('last_exchange', 'integer'),
    nullable('last_trade_at', 'timestamptz', 6),
    nullable('underlying_price', 'numeric'),
    nullable('break_even_price', 'numeric'),
    notNull('source', 'text'),
    recordedAt('ingested_at'),
  ],
});

/** One contract's daily bar, `day` being the trading day in America/New_York. */
export const OPTION_DAY_AGGS = table({
  name: 'option_day_aggs',
  primaryKey: ['ticker', 'day'],
  columns: [
    notNull('ticker', 'text'),
    notNull('day', 'date'),
    notNull('open', 'numeric'),
    notNull('high', 'numeric'),
    notNull('low', 'numeric'),
    notNull('close', 'numeric'),
    notNull('volume', 'bigint'),
    nullable('transactions', 'bigint'),
  ],
});

/** The import ledger: one row per committed batch of an input. */
export const IMPORT_BATCHES = table({
  name: 'import_batches',
  primaryKey: ['import_id', 'first_record'],
  columns: [
    notNull('import_id', 'text'),
    notNull('first_record', 'integer'),
    notNull('last_record', 'integer'),
    notNull('rows', 'integer'),
    recordedAt('committed_at'),
  ],
});

export const TABLES = [OPTIONS, OPTION_SNAPSHOTS, OPTION_DAY_AGGS, IMPORT_BATCHES] as const;

/** The columns a write supplies, in order: all but those the database fills. */
export function writtenColumns<C extends Column>(table: Table<string, C>): Extract<C, { defaultNow: false }>[] {
  return table.columns.filter((column): column is Extract<C, { defaultNow: false }> => !column.defaultNow);
}
