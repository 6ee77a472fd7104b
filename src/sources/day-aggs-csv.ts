/**
 * day-aggs-csv: Polygon's `day_aggs_v1` flat file (`ticker,volume,open,close,high,low,
 * window_start,transactions`). Columns are found by header name — the flat files'
 * headers changed over the years — and kept as text; validation reads them.
 * `location` is the line number (the header is line 1).
 *
 * Line numbers are counted from each row's raw text (csv-parse's `raw`): the raw texts
 * of the rows, skipped blank lines included, cover the whole input except the `\n` of a
 * CRLF row delimiter, so a line ends at each `\n` and at each `\r` not followed by one.
 * That places every row exactly, also in files that mix LF and CRLF (where csv-parse's
 * own `info.lines` counts a CRLF twice); `info` also builds an object per row, a quarter
 * of the reader's time.
 */
import { parse, type CsvError } from 'csv-parse';
import { Readable, pipeline } from 'node:stream';
import { DAY_AGG_REQUIRED_COLUMNS } from '../domain/day-agg.js';
import { OptdbError } from '../errors.js';
import { unreadableRecord } from './records.js';
import type { CsvRecord, SourceRecord } from './source-record.js';

const FORMAT = 'day-aggs-csv';
const LF = 0x0a;
const CR = 0x0d;

/** What the parser stream gives: a row, or (pushed by on_skip) a row it could not parse. */
type Parsed =
  | { record: string[]; raw: string }
  | { skipped: CsvError | undefined; raw: string | undefined };

export async function* readDayAggsCsv(source: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord> {
  // Remember a read error from below, so that it is rethrown as is, not as a CSV problem.
  let readError: unknown;
  async function* watched(): AsyncGenerator<Buffer> {
    try {
      yield* chunks;
    } catch (error) {
      readError = error;
      throw error;
    }
  }
  const parser = parse({
    bom: true,
    raw: true,
    skip_empty_lines: true,
    // Column counts are checked here, so a short row is reported instead of stopping the file.
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
    // Pushed into the output in order, between the rows around it.
    on_skip: (error, raw) => {
      parser.push({ skipped: error, raw } satisfies Parsed);
      return undefined;
    },
  });
  const rows = pipeline(Readable.from(watched()), parser, () => {
    // Errors reach the loop below through the destroyed stream.
  });

  let header: Header | undefined;
  /** The line the next raw text starts on. */
  let nextLine = 1;
  try {
    for await (const parsed of rows as AsyncIterable<Parsed>) {
      const raw = parsed.raw ?? '';
      const text = withoutNewlines(raw);
      const line = nextLine + text.leadingNewlines;
      nextLine += raw === '' ? 1 : lineBreaks(raw);
      if ('skipped' in parsed) {
        const reason = `malformed CSV: ${parsed.skipped?.message ?? 'unparsable row'}`;
        yield unreadableRecord(source, FORMAT, line, text.value, reason);
        continue;
      }
      const fields = parsed.record;
      stripCr(fields);
      if (fields.length === 1 && fields[0]?.trim() === '') continue; // a line of spaces

      if (header === undefined) {
        header = new Header(fields.map((name) => name.trim().toLowerCase()));
        const missing = DAY_AGG_REQUIRED_COLUMNS.filter((name) => !header!.names.includes(name));
        if (missing.length > 0) throw missingColumns(source, missing, header.names);
        continue;
      }
      if (fields.length !== header.names.length) {
        yield unreadableRecord(source, FORMAT, line, text.value, `expected ${header.names.length} columns, got ${fields.length}`);
        continue;
      }
      const record: CsvRecord = { kind: 'csv', format: FORMAT, source, location: line, raw: text.value, fields: header.fieldsOf(fields) };
      yield record;
    }
  } catch (error) {
    if (readError !== undefined) throw readError;
    if (error instanceof OptdbError) throw error;
    // skip_records_with_error covers row errors; anything else ends the file here.
    const message = error instanceof Error ? error.message : String(error);
    yield unreadableRecord(source, FORMAT, nextLine, '', `malformed CSV: ${message}`);
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

/** Line breaks in a raw text: `\n`, and `\r` not followed by `\n` (a CRLF delimiter's `\n` is not in it). */
function lineBreaks(text: string, from = 0, to = text.length): number {
  let count = 0;
  if (text.indexOf('\r', from) === -1) {
    // The common case, LF only: indexOf is much faster than a loop over the characters.
    for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) count += 1;
    return count;
  }
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) count += 1;
  }
  return count;
}

/** A file that switches from LF to CRLF leaves the `\r` on the last field. */
function stripCr(fields: string[]): void {
  const last = fields.length - 1;
  const value = fields[last];
  if (value !== undefined && value.endsWith('\r')) fields[last] = value.slice(0, -1);
}

/** A raw text without the line breaks around it, and how many lines it skipped first (blank lines). */
function withoutNewlines(raw: string): { value: string; leadingNewlines: number } {
  let start = 0;
  while (start < raw.length && isLineBreak(raw.charCodeAt(start))) start += 1;
  let end = raw.length;
  while (end > start && isLineBreak(raw.charCodeAt(end - 1))) end -= 1;
  return { value: start === 0 && end === raw.length ? raw : raw.slice(start, end), leadingNewlines: lineBreaks(raw, 0, start) };
}

function isLineBreak(c: number): boolean {
  return c === LF || c === CR;
}
