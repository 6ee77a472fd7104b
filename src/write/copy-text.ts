/**
 * PostgreSQL COPY text format: tab-separated columns, `\N` for null, and backslash,
 * tab, newline and carriage return escaped so that any string survives intact.
 *
 * A batch's COPY data is built as one string before the COPY starts, so the server
 * receives it at network speed instead of waiting on the client between chunks. A batch
 * is bounded in bytes (see batch.ts), so the string is too.
 */
import type { TableRow } from './tables.js';

const SPECIAL = /[\\\t\n\r]/g;
// Testing first is cheaper than replace() on the values that need no escaping — nearly all.
const HAS_SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyValue(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return HAS_SPECIAL.test(value) ? value.replace(SPECIAL, (c) => ESCAPES[c]!) : value;
}

/** Items as COPY lines, each item's values given by `toValues`. */
export function copyText<T>(items: readonly T[], toValues: (item: T) => readonly (string | null | undefined)[]): string {
  let text = '';
  for (const item of items) {
    const values = toValues(item);
    for (let i = 0; i < values.length; i++) text += i === 0 ? copyValue(values[i]) : `\t${copyValue(values[i])}`;
    text += '\n';
  }
  return text;
}

/** Table rows as COPY lines of the named columns (read straight from each row: no array per row). */
export function copyTextOfRows(rows: readonly TableRow[], columns: readonly string[]): string {
  let text = '';
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) text += i === 0 ? copyValue(row[columns[i]!]) : `\t${copyValue(row[columns[i]!])}`;
    text += '\n';
  }
  return text;
}
