/**
 * chain-ndjson: one snapshot result per line; `location` is the line number, blank
 * lines counted. A malformed line is reported and reading goes on. A line holding a
 * whole response page (written by a tool that saved each page on one line) yields each
 * of its results, at the line's location.
 */
import { parseJson } from './json-parser.js';
import { OverlongLine, readLines } from './lines.js';
import { jsonRecord, unreadableRecord } from './records.js';
import { isJsonObject, type JsonValue } from '../domain/json-value.js';
import { isPage, pageProblem, pageResults } from './snapshot-page.js';
import type { SourceRecord } from './source-record.js';

const FORMAT = 'chain-ndjson';
const BLANK = /^\s*$/;
/** Room for a whole response page saved on one line (250 results of a few KB each), and then some. */
const MAX_LINE_LENGTH = 32 * 1024 * 1024;

export async function* readChainNdjson(source: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord> {
  let lineNumber = 0;
  for await (const line of readLines(chunks, MAX_LINE_LENGTH)) {
    lineNumber += 1;
    if (line instanceof OverlongLine) {
      yield unreadableRecord(source, FORMAT, lineNumber, line.head, `a line of ${line.length} characters, longer than ${MAX_LINE_LENGTH}`);
      continue;
    }
    const text = lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line;
    if (BLANK.test(text)) continue;

    let value: JsonValue;
    try {
      // Every number a LosslessNumber with its exact text.
      value = parseJson(text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      yield unreadableRecord(source, FORMAT, lineNumber, text, `malformed JSON: ${message}`);
      continue;
    }

    if (!isJsonObject(value) || !isPage(value)) {
      yield jsonRecord(source, FORMAT, lineNumber, value, text);
      continue;
    }
    const results = pageResults(value);
    if (results === undefined) {
      const problem = pageProblem(value);
      if (problem !== undefined) yield unreadableRecord(source, FORMAT, lineNumber, text, problem);
      continue;
    }
    for (const result of results) yield jsonRecord(source, FORMAT, lineNumber, result);
  }
}
