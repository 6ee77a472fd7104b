/**
 * PostgreSQL COPY text format: tab-separated columns, `\N` for null, and backslash,
 * tab, newline and carriage return escaped so that any string survives intact.
 */
import type { TableRow, TableSpec } from './tables.js';

const SPECIAL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function copyTextLine(table: TableSpec, row: TableRow): string {
  let line = '';
  for (let i = 0; i < table.columns.length; i++) {
    const value = row[table.columns[i]!.name];
    if (i > 0) line += '\t';
    line += value === null || value === undefined ? '\\N' : value.replace(SPECIAL, (c) => ESCAPES[c]!);
  }
  return `${line}\n`;
}
