/**
 * The instant a chain is read as of, as the exclusive upper bound of `captured_at` in
 * microseconds (text, a bind value): `as_of` when the request gives one, otherwise the
 * underlying's newest capture. Undefined when nothing of the underlying is stored.
 */
import { asOfBound } from './as-of.js';
import type { ReadQuery } from './read-only.js';
import { NEWEST_BOUND } from './sql/snapshots.js';

export async function chainBound(read: ReadQuery, underlying: string, asOf: string | undefined): Promise<string | undefined> {
  if (asOf !== undefined) return asOfBound(asOf).toString();
  const [row] = await read<{ bound: string | null }>(NEWEST_BOUND, [underlying]);
  return row?.bound ?? undefined;
}
