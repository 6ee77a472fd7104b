/** Builders for the records every reader yields (see source-record.ts). */
import { stringify } from 'lossless-json';
import type { JsonValue } from '../domain/json-value.js';
import type { InputFormat, JsonRecord, UnreadableRecord } from './source-record.js';

/**
 * A JSON record. Without `raw`, the text is re-serialized only when someone reads it:
 * most records are loaded, and only rejects need their text.
 */
export function jsonRecord(source: string, format: JsonRecord['format'], location: number, value: JsonValue, raw?: string): JsonRecord {
  if (raw !== undefined) return { kind: 'json', format, source, location, value, raw };
  let text: string | undefined;
  return {
    kind: 'json',
    format,
    source,
    location,
    value,
    get raw(): string {
      text ??= jsonText(value);
      return text;
    },
  };
}

export function unreadableRecord(source: string, format: InputFormat, location: number, raw: string, reason: string): UnreadableRecord {
  return { kind: 'unreadable', format, source, location, raw, reason };
}

/** A value's JSON text, or why it cannot be shown (nested too deep to serialize on the stack). */
export function jsonText(value: JsonValue): string {
  try {
    return stringify(value) ?? '';
  } catch (error) {
    return `(not shown: ${error instanceof Error ? error.message : String(error)})`;
  }
}
