/**
 * One contract's snapshots in a time range, oldest first: a range scan of
 * option_snapshots' primary key (ticker, captured_at). $1: ticker, $2: the range's start
 * (µs, included), $3: its end (µs, excluded), $4: the most rows to return.
 */
import { BOUND } from '../snapshots.js';
import { micros } from './chain-as-of.js';

export const CONTRACT_HISTORY = `
  SELECT ${micros('s.captured_at')} AS captured_at, s.last_price::text AS last_price, s.bid::text AS bid, s.ask::text AS ask,
         trim_scale((s.bid + s.ask) / 2)::text AS midpoint, s.implied_volatility::text AS implied_volatility,
         s.delta::text AS delta, s.gamma::text AS gamma, s.theta::text AS theta, s.vega::text AS vega,
         s.open_interest::text AS open_interest, s.day_volume::text AS volume, s.underlying_price::text AS underlying_price
  FROM option_snapshots s
  WHERE s.ticker = $1 AND s.captured_at >= ${BOUND('$2')} AND s.captured_at < ${BOUND('$3')}
  ORDER BY s.captured_at
  LIMIT $4`;

export const CONTRACT_EXISTS = 'SELECT 1 FROM options WHERE ticker = $1';

export interface HistoryRow {
  readonly captured_at: string;
  readonly last_price: string | null;
  readonly bid: string | null;
  readonly ask: string | null;
  readonly midpoint: string | null;
  readonly implied_volatility: string | null;
  readonly delta: string | null;
  readonly gamma: string | null;
  readonly theta: string | null;
  readonly vega: string | null;
  readonly open_interest: string | null;
  readonly volume: string | null;
  readonly underlying_price: string | null;
}
