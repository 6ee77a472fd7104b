/**
 * Response bodies as JSON text in which stored numbers keep their digits: a value read as
 * text from a numeric, bigint or float8 column is written as that JSON number, not as
 * what a JavaScript double would print (19-digit nanoseconds, 0.1 + 0.2, 1.650).
 */
import { LosslessNumber, stringify } from 'lossless-json';

export type JsonOut = string | number | boolean | LosslessNumber | JsonOut[] | { [key: string]: JsonOut | undefined };

/** A number from a column's text; undefined (left out of the body) for NULL. */
export function number(text: string | null): LosslessNumber | undefined {
  return text === null ? undefined : new LosslessNumber(text);
}

/**
 * A number from a float8 column's text. PostgreSQL writes small doubles in exponent form
 * (3.72589e-05); JSON encoders, and JavaScript's, write the same double's shortest digits
 * without it (0.0000372589) down to 1e-7: printed as JavaScript does, a value ingested
 * from Polygon comes back with the text it arrived with. float8 is JavaScript's number,
 * so the conversion is exact.
 */
export function double(text: string | null): LosslessNumber | undefined {
  return text === null ? undefined : new LosslessNumber(String(Number(text)));
}

/** An object without its undefined fields, or undefined when none is left (Polygon leaves such objects out). */
export function present(fields: Record<string, JsonOut | undefined>): Record<string, JsonOut> | undefined {
  const kept = Object.entries(fields).filter((entry): entry is [string, JsonOut] => entry[1] !== undefined);
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

export function jsonBody(value: JsonOut): string {
  return stringify(value) ?? 'null';
}
