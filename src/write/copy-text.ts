/**
 * PostgreSQL COPY text format: tab-separated columns, `\N` for null, and backslash,
 * tab, newline and carriage return escaped so that any string survives intact.
 */
const SPECIAL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyTextLine(values: readonly (string | null | undefined)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) line += '\t';
    line += value === null || value === undefined ? '\\N' : value.replace(SPECIAL, (c) => ESCAPES[c]!);
  }
  return `${line}\n`;
}

/**
 * A batch's COPY data as one string: built before the COPY starts, so the server receives
 * it at network speed instead of waiting on the client between chunks. A batch is bounded
 * in bytes (see batch.ts), so the string is too.
 */
export function copyText<T>(items: readonly T[], toValues: (item: T) => readonly (string | null | undefined)[]): string {
  let text = '';
  for (const item of items) text += copyTextLine(toValues(item));
  return text;
}
