/**
 * The latest snapshot of contracts at or before an instant: one index probe per contract
 * on option_snapshots' primary key (ticker, captured_at), newest first.
 *
 * Every value is read as text: numeric columns keep their digits, float8 prints the
 * shortest text that reads back as the same double (PostgreSQL 12 and later), and times
 * are Unix nanoseconds (stored in microseconds, so the last three digits are 0).
 */
import { CONTRACT_COLUMNS, SORT_VALUE_COLUMNS } from './contract-columns.js';

const nanos = (column: string): string => `((extract(epoch FROM ${column}) * 1000000)::bigint * 1000)::text`;

const SNAPSHOT_COLUMNS = `
  ${nanos('s.captured_at')} AS captured_at,
  s.day_open::text AS day_open, s.day_high::text AS day_high, s.day_low::text AS day_low, s.day_close::text AS day_close,
  s.day_volume::text AS day_volume, s.day_vwap::text AS day_vwap, s.day_change::text AS day_change,
  s.day_change_percent::text AS day_change_percent, s.previous_close::text AS previous_close,
  s.open_interest::text AS open_interest, s.implied_volatility::text AS implied_volatility,
  s.delta::text AS delta, s.gamma::text AS gamma, s.theta::text AS theta, s.vega::text AS vega,
  s.bid::text AS bid, s.bid_size::text AS bid_size, s.ask::text AS ask, s.ask_size::text AS ask_size,
  trim_scale((s.bid + s.ask) / 2)::text AS midpoint,
  ${nanos('s.quote_at')} AS quote_at,
  s.last_price::text AS last_price, s.last_size::text AS last_size, s.last_exchange::text AS last_exchange,
  ${nanos('s.last_trade_at')} AS last_trade_at,
  s.underlying_price::text AS underlying_price, s.break_even_price::text AS break_even_price`;

/** The exclusive upper bound, `$1` microseconds since the Unix epoch, as a timestamptz. */
export const BOUND = (placeholder: string): string => `('epoch'::timestamptz + ${placeholder}::bigint * interval '1 microsecond')`;

/**
 * The newest capture of an underlying's contracts plus one microsecond, in microseconds:
 * the bound when a request gives no as_of. $1: the underlying.
 */
export const NEWEST_BOUND = `
  SELECT ((extract(epoch FROM max(newest.captured_at)) * 1000000)::bigint + 1)::text AS bound
  FROM options o
  CROSS JOIN LATERAL (
    SELECT s.captured_at FROM option_snapshots s WHERE s.ticker = o.ticker ORDER BY s.captured_at DESC LIMIT 1
  ) newest
  WHERE o.underlying_ticker = $1`;

/**
 * The chain as of a bound, as a FROM … WHERE over `options o` and `s`, its latest snapshot
 * before the bound: the contracts of `underlying` not expired at the bound (their
 * expiration day, in New York, not before the bound's), each with one snapshot. Contracts
 * with no snapshot by then are not in it. The chain snapshot and every analytics answer
 * "as of" read the chain through this one fragment. `conditions` are fixed fragments over
 * `o` with placeholders (contract-filters.ts).
 */
export function chainAsOf(underlying: string, bound: string, conditions: readonly string[] = []): string {
  return `
    FROM options o
    CROSS JOIN LATERAL (
      SELECT * FROM option_snapshots s
      WHERE s.ticker = o.ticker AND s.captured_at < ${BOUND(bound)}
      ORDER BY s.captured_at DESC LIMIT 1
    ) s
    WHERE o.underlying_ticker = ${underlying}
      AND o.expiration_date >= ((${BOUND(bound)} - interval '1 microsecond') AT TIME ZONE 'America/New_York')::date
      ${conditions.map((condition) => `AND ${condition}`).join('\n      ')}`;
}

/** The chain snapshot's page: the chain as of the bound, filtered, in a keyset order. */
export function chainStatement(underlying: string, bound: string, conditions: readonly string[], order: string, limit: string): string {
  return `
    SELECT ${CONTRACT_COLUMNS}, ${SORT_VALUE_COLUMNS}, ${SNAPSHOT_COLUMNS}
    ${chainAsOf(underlying, bound, conditions)}
    ${order}
    LIMIT ${limit}`;
}

/** One contract's latest snapshot before the bound. $1: underlying, $2: ticker, $3: bound in microseconds. */
export const CONTRACT_SNAPSHOT = `
  SELECT ${CONTRACT_COLUMNS}, ${SNAPSHOT_COLUMNS}
  FROM options o
  JOIN LATERAL (
    SELECT * FROM option_snapshots s
    WHERE s.ticker = o.ticker AND s.captured_at < ${BOUND('$3')}
    ORDER BY s.captured_at DESC LIMIT 1
  ) s ON true
  WHERE o.underlying_ticker = $1 AND o.ticker = $2`;
