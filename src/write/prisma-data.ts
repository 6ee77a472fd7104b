/**
 * A row of optdb's exact column texts as the data of a Prisma call: decimals stay
 * strings (Prisma takes them exactly), bigints BigInt, timestamps JS Dates — which keep
 * milliseconds only, Prisma's DateTime being a Date.
 */
import type { ColumnType, TableRow, TableSpec } from './tables.js';

export type PrismaValue = string | number | bigint | Date | null;

export function toPrismaData(table: TableSpec, row: TableRow): Record<string, PrismaValue> {
  const data: Record<string, PrismaValue> = {};
  for (const column of table.columns) data[camel(column.name)] = fromText(column.type, row[column.name] ?? null);
  return data;
}

function fromText(type: ColumnType, text: string | null): PrismaValue {
  if (text === null) return null;
  switch (type) {
    case 'text':
    case 'numeric':
      return text;
    case 'bigint':
      return BigInt(text);
    case 'integer':
    case 'double precision':
      return Number(text);
    case 'timestamptz':
      return new Date(text);
    case 'date':
      return new Date(`${text}T00:00:00Z`);
  }
}

/** Prisma's field name for a column: snake_case → camelCase. */
export function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
