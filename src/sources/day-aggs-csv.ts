/**
 * day-aggs-csv: Polygon's `day_aggs_v1` flat file (`ticker,volume,open,close,high,low,
 * window_start,transactions`). Columns are found by header name — the flat files'
 * headers changed over the years — and kept as text; validation reads them.
 * `location` is the line number (the header is line 1).
 *
 * One record per line, as the flat files are written: a line that cannot be read (a
 * quote left open, the wrong number of columns, longer than MAX_LINE_LENGTH) is rejected
 * alone with its line number, and every other line is read (see csv-line.ts).
 */
import { DAY_AGG_REQUIRED_COLUMNS } from '../domain/day-agg.js';
import { OptdbError } from '../errors.js';
import { splitCsvLine } from './csv-line.js';
import { OverlongLine, readLineBatches } from './lines.js';
import { RecordStream } from './record-stream.js';
import { unreadableRecord } from './records.js';
import type { CsvRecord, SourceRecord } from './source-record.js';

const FORMAT = 'day-aggs-csv';
/** A day_aggs line is about 80 characters; anything this long is not one. */
const MAX_LINE_LENGTH = 64 * 1024;
const BLANK = /^\s*$/;

export function readDayAggsCsv(source: string, chunks: AsyncIterable<Buffer>): RecordStream {
  return new RecordStream(readBatches(source, chunks));
}

/** The records of each chunk's lines. */
async function* readBatches(source: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord[]> {
  let header: Header | undefined;
  let lineNumber = 0;
  for await (const lines of readLineBatches(chunks, MAX_LINE_LENGTH)) {
    const records: SourceRecord[] = [];
    // Indexed: a for-of with a yield inside allocates an iterator result per line.
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      lineNumber += 1;
      if (line instanceof OverlongLine) {
        records.push(
          unreadableRecord(
            source,
            FORMAT,
            lineNumber,
            line.head,
            `malformed CSV: a line of ${line.length} characters, longer than ${MAX_LINE_LENGTH}`,
          ),
        );
        continue;
      }
      const text = lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line;
      // A blank line is rare: test the first character before running the pattern.
      if ((text.length === 0 || text.charCodeAt(0) <= 32 || text.charCodeAt(0) >= 127) && BLANK.test(text)) continue;
      const fields = splitCsvLine(text);
      if (!Array.isArray(fields)) {
        records.push(unreadableRecord(source, FORMAT, lineNumber, text, `malformed CSV: ${fields.problem}`));
        continue;
      }
      if (header === undefined) {
        header = new Header(fields.map((name) => name.trim().toLowerCase()));
        const missing = DAY_AGG_REQUIRED_COLUMNS.filter((name) => !header!.names.includes(name));
        if (missing.length > 0) {
          // The lines before the header are reported before the file is refused.
          if (records.length > 0) yield records;
          throw missingColumns(source, missing, header.names);
        }
        continue;
      }
      if (fields.length !== header.names.length) {
        records.push(unreadableRecord(source, FORMAT, lineNumber, text, `expected ${header.names.length} columns, got ${fields.length}`));
        continue;
      }
      records.push(new CsvRow(source, lineNumber, text, header, fields));
    }
    if (records.length > 0) yield records;
  }
}

/** A row as read: its values by position; by name only when asked. */
class CsvRow implements CsvRecord {
  readonly kind = 'csv';
  readonly format = FORMAT;
  readonly columns: readonly string[];

  constructor(
    readonly source: string,
    readonly location: number,
    readonly raw: string,
    private readonly header: Header,
    readonly values: readonly string[],
  ) {
    this.columns = header.names;
  }

  get fields(): Record<string, string> {
    return this.header.fieldsOf(this.values);
  }
}

/** The column names, and a row's values by them. */
class Header {
  // A column named __proto__ would set a plain object's prototype when assigned: such a
  // header takes Object.fromEntries, which defines it as an own property.
  private readonly plainNames: boolean;

  constructor(readonly names: readonly string[]) {
    this.plainNames = !names.includes('__proto__');
  }

  fieldsOf(values: readonly string[]): Record<string, string> {
    const names = this.names;
    if (!this.plainNames) return Object.fromEntries(names.map((name, i) => [name, values[i] ?? '']));
    const fields: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) fields[names[i]!] = values[i] ?? '';
    return fields;
  }
}

/** Every row would be rejected for the same reason: say it once, about the file. */
function missingColumns(source: string, missing: readonly string[], header: readonly string[]): OptdbError {
  const found = header.slice(0, 10).map((name) => (name.length > 40 ? `${name.slice(0, 40)}…` : name));
  const names = missing.map((name) => `"${name}"`).join(', ');
  return new OptdbError(
    'INPUT_FORMAT',
    `${source}: no ${names} column${missing.length === 1 ? '' : 's'} in the header (found: ${found.join(', ')}${header.length > 10 ? ', …' : ''})`,
    { remedy: 'Check that the file is a Polygon day_aggs_v1 CSV with a header row, or pass another --format.' },
  );
}
