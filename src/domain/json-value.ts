/**
 * A JSON value as optdb reads it, from a file, an HTTP page or application code. Every
 * number is a LosslessNumber holding its exact text: nanosecond timestamps exceed
 * Number.MAX_SAFE_INTEGER and prices must keep their digits. A number and a string
 * holding digits stay distinguishable (wrong types are rejected, not coerced).
 */
import { isLosslessNumber, type LosslessNumber } from 'lossless-json';

export type JsonValue = null | boolean | string | LosslessNumber | JsonValue[] | JsonObject;

export type JsonObject = { [key: string]: JsonValue };

/** An object with members — not null, not an array, not a number. */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}
