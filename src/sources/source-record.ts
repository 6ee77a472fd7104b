/**
 * What every source yields: one record per input row, exactly as read — not yet
 * validated. Validation (src/domain) turns a record into a row or a reject.
 */
import type { JsonValue } from '../domain/json-value.js';

export type InputFormat = 'chain-json' | 'chain-ndjson' | 'day-aggs-csv';

export const INPUT_FORMATS: readonly InputFormat[] = ['chain-json', 'chain-ndjson', 'day-aggs-csv'];

interface RecordBase {
  /** The input's name as the user gave it (a path, or `-` for stdin). */
  readonly source: string;
  /** 1-based line number (NDJSON, CSV — the header is line 1) or result index (a JSON page). */
  readonly location: number;
  /** The record's raw text, for the rejects file. */
  readonly raw: string;
}

export interface JsonRecord extends RecordBase {
  readonly kind: 'json';
  readonly format: 'chain-json' | 'chain-ndjson';
  readonly value: JsonValue;
}

export interface CsvRecord extends RecordBase {
  readonly kind: 'csv';
  readonly format: 'day-aggs-csv';
  /** The header's column names (lower-cased, trimmed, BOM removed): one array for every row of a file. */
  readonly columns: readonly string[];
  /** The row's values in the header's column order. */
  readonly values: readonly string[];
  /** Every column of the row by its header name (built when read: validation reads `values`). */
  readonly fields: Readonly<Record<string, string>>;
}

/** A record that could not even be parsed (malformed JSON line, wrong column count). */
export interface UnreadableRecord extends RecordBase {
  readonly kind: 'unreadable';
  readonly format: InputFormat;
  readonly reason: string;
}

export type SourceRecord = JsonRecord | CsvRecord | UnreadableRecord;

export interface OpenedSource {
  readonly name: string;
  readonly format: InputFormat;
  /** Size of the input in bytes as stored (compressed when gzipped); undefined for stdin. */
  readonly totalBytes: number | undefined;
  /** Bytes of the stored input consumed so far (for progress and ETA). */
  bytesRead(): number;
  readonly records: AsyncIterable<SourceRecord>;
}
