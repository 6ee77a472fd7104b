/**
 * Snapshot results handed over by application code (already parsed with JSON.parse)
 * into the form validation reads: numbers as LosslessNumber. Numbers that JSON.parse
 * already rounded (nanosecond timestamps above 2^53) cannot be repaired here — pass
 * them as bigint or as the API's text to keep every digit.
 */
import { LosslessNumber } from 'lossless-json';
import type { JsonObject, JsonValue } from './json-value.js';

export function fromPlainJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? new LosslessNumber(String(value)) : null;
  if (typeof value === 'bigint') return new LosslessNumber(value.toString());
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof LosslessNumber) return value;
  if (Array.isArray(value)) return value.map(fromPlainJson);
  if (typeof value === 'object') {
    const result: JsonObject = {};
    for (const [key, item] of Object.entries(value)) result[key] = fromPlainJson(item);
    return result;
  }
  return String(value);
}
