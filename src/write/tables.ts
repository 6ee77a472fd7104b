/**
 * The tables optdb writes rows into, as the writers see them: the columns a write
 * supplies (the columns the database fills are left out), their SQL types for casts from
 * text, and the key — all taken from the schema (schema/tables.ts). Identifiers in writer
 * SQL come only from there, never from input.
 */
import {
  type Column,
  OPTION_DAY_AGGS,
  OPTION_SNAPSHOTS,
  type ScalarType,
  type Table,
  type TableRow,
  writtenColumns,
} from '../schema/tables.js';

export type { TableRow } from '../schema/tables.js';

/** The types the writers convert text values to; a written column has no enum type. */
export type ColumnType = ScalarType;

export type ColumnSpec = Column<string, ColumnType>;

export interface TableSpec {
  readonly name: 'option_snapshots' | 'option_day_aggs';
  readonly columns: readonly ColumnSpec[];
  readonly key: readonly string[];
  /** A column set to now() whenever the row is written (not compared for changes). */
  readonly touchedAt: string | undefined;
}

function writtenTable<Name extends TableSpec['name'], C extends ColumnSpec>(table: Table<Name, C>, touchedAt?: C['name']): TableSpec {
  return { name: table.name, key: table.primaryKey, touchedAt, columns: writtenColumns(table) };
}

export const SNAPSHOTS = writtenTable(OPTION_SNAPSHOTS, 'ingested_at');

export const DAY_AGGS = writtenTable(OPTION_DAY_AGGS);

export function rowKey(table: TableSpec, row: TableRow): string {
  // Concatenated in a loop: called for every row, where map + join would allocate an array.
  const key = table.key;
  let text = row[key[0]!] ?? '';
  for (let i = 1; i < key.length; i++) text += `\u0000${row[key[i]!] ?? ''}`;
  return text;
}
