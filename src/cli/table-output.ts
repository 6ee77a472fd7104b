/** Query results as an aligned text table, for people reading a terminal. */
import { say } from './output.js';

export function printTable(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) {
    say('  (no rows)');
    return;
  }
  const columns = Object.keys(rows[0]!);
  // A missing value (greeks a source left out, say) shows as a dash: a blank would shift
  // the columns for anyone reading or parsing the table.
  const cell = (value: unknown) => (value === null || value === undefined ? '—' : String(value));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => `  ${values.map((v, i) => v.padStart(widths[i]!)).join('  ')}`;
  say(line(columns));
  for (const row of rows) say(line(columns.map((c) => cell(row[c]))));
}
