/**
 * The underlyings stored, each with its contracts and its newest capture: the latest
 * snapshot of each contract is one probe of option_snapshots' primary key (ticker,
 * captured_at), newest first, so the cost grows with contracts, not with history.
 */
import { micros } from '../../sql/analytics/chain-as-of.js';

export const UNDERLYINGS = `
  SELECT o.underlying_ticker, count(*)::text AS contracts, ${micros('max(newest.captured_at)')} AS newest_capture
  FROM options o
  LEFT JOIN LATERAL (
    SELECT s.captured_at FROM option_snapshots s WHERE s.ticker = o.ticker ORDER BY s.captured_at DESC LIMIT 1
  ) newest ON true
  GROUP BY o.underlying_ticker
  ORDER BY o.underlying_ticker`;

/**
 * An underlying's newest captures and the snapshots each holds, newest first. $1: the
 * underlying, $2: how many captures. Each contract gives at most its $2 newest snapshots:
 * a capture among the underlying's $2 newest has fewer than $2 newer ones, so every
 * contract's row at it is among those read, and its count is exact.
 */
export const CAPTURES = `
  SELECT ${micros('s.captured_at')} AS captured_at, count(*)::text AS snapshots
  FROM options o
  CROSS JOIN LATERAL (
    SELECT s.captured_at FROM option_snapshots s WHERE s.ticker = o.ticker ORDER BY s.captured_at DESC LIMIT $2
  ) s
  WHERE o.underlying_ticker = $1
  GROUP BY s.captured_at
  ORDER BY s.captured_at DESC
  LIMIT $2`;
