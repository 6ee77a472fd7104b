/**
 * day-aggs-csv: Polygon's `day_aggs_v1` flat file (`ticker,volume,open,close,high,low,
 * window_start,transactions`). Columns are found by header name — the flat files'
 * headers changed over the years — and kept as text; validation reads them.
 * `location` is the line number (the header is line 1).
 */
import { parse, type CsvError, type Info } from 'csv-parse';
import { Readable, pipeline } from 'node:stream';
import { OptdbError } from '../errors.js';
import { unreadableRecord } from './records.js';
import type { CsvRecord, SourceRecord } from './source-record.js';

const FORMAT = 'day-aggs-csv';

/** What the parser stream gives: a row, or (pushed by on_skip) a row it could not parse. */
type Parsed =
  | { record: string[]; raw: string; info: Info }
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
    info: true,
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

  let header: string[] | undefined;
  let lastLine = 0;
  try {
    for await (const parsed of rows as AsyncIterable<Parsed>) {
      if ('skipped' in parsed) {
        lastLine += 1;
        const reason = `malformed CSV: ${parsed.skipped?.message ?? 'unparsable row'}`;
        yield unreadableRecord(source, FORMAT, lastLine, trimNewlines(parsed.raw ?? ''), reason);
        continue;
      }
      const fields = parsed.record;
      const line = parsed.info.lines - embeddedNewlines(fields);
      lastLine = parsed.info.lines;
      stripCr(fields);
      if (fields.length === 1 && fields[0]?.trim() === '') continue; // a line of spaces

      if (header === undefined) {
        header = fields.map((name) => name.trim().toLowerCase());
        if (!header.includes('ticker')) throw noTickerColumn(source, header);
        continue;
      }
      const raw = trimNewlines(parsed.raw);
      if (fields.length !== header.length) {
        yield unreadableRecord(source, FORMAT, line, raw, `expected ${header.length} columns, got ${fields.length}`);
        continue;
      }
      yield csvRecord(source, line, raw, header, fields);
    }
  } catch (error) {
    if (readError !== undefined) throw readError;
    if (error instanceof OptdbError) throw error;
    // skip_records_with_error covers row errors; anything else ends the file here.
    const message = error instanceof Error ? error.message : String(error);
    yield unreadableRecord(source, FORMAT, lastLine + 1, '', `malformed CSV: ${message}`);
  }
}

function csvRecord(source: string, location: number, raw: string, header: string[], fields: string[]): CsvRecord {
  // fromEntries defines own properties, so a column named __proto__ stays a column.
  return {
    kind: 'csv',
    format: FORMAT,
    source,
    location,
    raw,
    fields: Object.fromEntries(header.map((name, i) => [name, fields[i] ?? ''])),
  };
}

function noTickerColumn(source: string, header: string[]): OptdbError {
  const found = header.slice(0, 10).map((name) => (name.length > 40 ? `${name.slice(0, 40)}…` : name));
  return new OptdbError(
    'INPUT_FORMAT',
    `${source}: no "ticker" column in the header (found: ${found.join(', ')}${header.length > 10 ? ', …' : ''})`,
    { remedy: 'Check that the file is a Polygon day_aggs_v1 CSV with a header row, or pass another --format.' },
  );
}

/** csv-parse counts lines up to a row's end; a quoted field with newlines starts earlier. */
function embeddedNewlines(fields: string[]): number {
  let count = 0;
  for (const field of fields) {
    for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) count += 1;
  }
  return count;
}

/** A file that switches from LF to CRLF leaves the `\r` on the last field. */
function stripCr(fields: string[]): void {
  const last = fields.length - 1;
  const value = fields[last];
  if (value !== undefined && value.endsWith('\r')) fields[last] = value.slice(0, -1);
}

function trimNewlines(raw: string): string {
  return raw.replace(/^[\r\n]+|[\r\n]+$/g, '');
}
