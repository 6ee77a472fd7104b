/**
 * The chain as of a bound (snapshots.ts's chainAsOf, the one the chain snapshot serves) as
 * the `chain` CTE of an analytics statement, with the columns the analytics read, and the
 * `anchor` CTE: what an "as of" answer reports at its top level.
 *
 * - `captured_at`: the newest capture among the snapshots the chain is made of;
 * - `underlying_price`: the underlying price stored with the newest snapshot that has one
 *   (the lowest ticker among those captured at the same instant). It is the price the
 *   at-the-money strike is chosen by.
 *
 * `chain` is read more than once, so PostgreSQL materializes it: the per-contract index
 * probes run once per statement.
 */
import { chainAsOf } from '../snapshots.js';

export function chainWith(underlying: string, bound: string, conditions: readonly string[] = []): string {
  return `
    WITH chain AS (
      SELECT o.ticker, o.contract_type, o.expiration_date, o.strike_price, s.captured_at, s.implied_volatility, s.delta,
             s.open_interest, s.day_volume, s.underlying_price
      ${chainAsOf(underlying, bound, conditions)}
    ),
    anchor AS (
      SELECT (SELECT max(captured_at) FROM chain) AS captured_at,
             (SELECT underlying_price FROM chain WHERE underlying_price IS NOT NULL
              ORDER BY captured_at DESC, ticker LIMIT 1) AS underlying_price
    )`;
}

/** A timestamptz as microseconds since the Unix epoch, as text (rfc3339.ts formats it). */
export const micros = (column: string): string => `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;

/** The sum of a column over the calls or the puts of a group of `chain`; 0 when none has it stored. */
export const side = (column: string, type: 'call' | 'put'): string =>
  `coalesce(sum(${column}) FILTER (WHERE contract_type = '${type}'), 0)`;

/** The anchor's columns, repeated on every row of an answer (the route reads them from the first). */
export const ANCHOR_COLUMNS = `
  ${micros('anchor.captured_at')} AS anchor_captured_at,
  anchor.underlying_price::text AS anchor_underlying_price`;

export interface AnchorRow {
  readonly anchor_captured_at: string;
  readonly anchor_underlying_price: string | null;
}
