/**
 * chain-ndjson: one snapshot result per line; `location` is the line number, blank
 * lines counted. A malformed line is reported and reading goes on. A line holding a
 * whole response page (written by a tool that saved each page on one line) yields each
 * of its results, at the line's location.
 */
import { parseJson } from './json-parser.js';
import { OverlongLine, readLineBatches } from './lines.js';
import { RecordStream } from './record-stream.js';
import { jsonRecord, unreadableRecord } from './records.js';
import { isJsonObject, type JsonValue } from '../domain/json-value.js';
import { isPage, pageProblem, pageResults } from './snapshot-page.js';
import type { SourceRecord } from './source-record.js';

const FORMAT = 'chain-ndjson';
const BLANK = /^\s*$/;
/** Room for a whole response page saved on one line (250 results of a few KB each), and then some. */
const MAX_LINE_LENGTH = 32 * 1024 * 1024;

export function readChainNdjson(source: string, chunks: AsyncIterable<Buffer>): RecordStream {
  return new RecordStream(readBatches(source, chunks));
}

/** The records of each chunk's lines: a chunk's worth at a time, as the ingest takes them. */
async function* readBatches(source: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord[]> {
  let lineNumber = 0;
  for await (const lines of readLineBatches(chunks, MAX_LINE_LENGTH)) {
    const records: SourceRecord[] = [];
    for (const line of lines) {
      lineNumber += 1;
      readLine(source, lineNumber, line, records);
    }
    if (records.length > 0) yield records;
  }
}

/** Adds the records of one line to `records`: none (a blank line), one, or a page's results. */
function readLine(source: string, lineNumber: number, line: string | OverlongLine, records: SourceRecord[]): void {
  if (line instanceof OverlongLine) {
    records.push(
      unreadableRecord(source, FORMAT, lineNumber, line.head, `a line of ${line.length} characters, longer than ${MAX_LINE_LENGTH}`),
    );
    return;
  }
  const text = lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line;
  // A blank line is rare: test the first character before running the pattern.
  if ((text.length === 0 || text.charCodeAt(0) <= 32 || text.charCodeAt(0) >= 127) && BLANK.test(text)) return;

  let value: JsonValue;
  try {
    // Every number a LosslessNumber with its exact text.
    value = parseJson(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    records.push(unreadableRecord(source, FORMAT, lineNumber, text, `malformed JSON: ${message}`));
    return;
  }

  if (!isJsonObject(value) || !isPage(value)) {
    records.push(jsonRecord(source, FORMAT, lineNumber, value, text));
    return;
  }
  const results = pageResults(value);
  if (results === undefined) {
    const problem = pageProblem(value);
    if (problem !== undefined) records.push(unreadableRecord(source, FORMAT, lineNumber, text, problem));
    return;
  }
  for (const result of results) records.push(jsonRecord(source, FORMAT, lineNumber, result));
}
