/**
 * The chain table of one expiration as of a time: the statements behind
 * GET /v1/underlyings/{underlying}/chain. Each contract's state is its latest snapshot
 * before the bound (one probe of the primary key per contract), as in the Polygon-shaped
 * chain route; the bound is microseconds since the Unix epoch, exclusive.
 */
import { BOUND } from '../../sql/snapshots.js';
import { micros } from '../../sql/analytics/chain-as-of.js';

/** The expiration day of contracts still listed at the bound: the bound's day in New York. */
const BOUND_DAY = `((${BOUND('$2')} - interval '1 microsecond') AT TIME ZONE 'America/New_York')::date`;

/**
 * The underlying's newest capture before the bound. $1: underlying, $2: the bound, or
 * NULL for the newest capture of all.
 */
export const NEWEST_CAPTURE = `
  SELECT ${micros('max(latest.captured_at)')} AS captured_at
  FROM options o
  CROSS JOIN LATERAL (
    SELECT s.captured_at FROM option_snapshots s
    WHERE s.ticker = o.ticker AND s.captured_at < coalesce(${BOUND('$2')}, 'infinity')
    ORDER BY s.captured_at DESC LIMIT 1
  ) latest
  WHERE o.underlying_ticker = $1`;

/** The expirations not expired at the bound that have a snapshot before it, soonest first. $1: underlying, $2: bound. */
export const EXPIRATIONS = `
  SELECT e.expiration_date::text AS expiration_date
  FROM (
    SELECT DISTINCT expiration_date FROM options WHERE underlying_ticker = $1 AND expiration_date >= ${BOUND_DAY}
  ) e
  WHERE EXISTS (
    SELECT 1 FROM options o JOIN option_snapshots s ON s.ticker = o.ticker AND s.captured_at < ${BOUND('$2')}
    WHERE o.underlying_ticker = $1 AND o.expiration_date = e.expiration_date
  )
  ORDER BY e.expiration_date`;

/** Every call and put of one expiration with its latest snapshot before the bound. $1: underlying, $2: bound, $3: expiration. */
export const EXPIRATION_ROWS = `
  SELECT o.ticker, o.contract_type::text AS contract_type, trim_scale(o.strike_price)::text AS strike_price,
         ${micros('s.captured_at')} AS captured_at,
         s.last_price::text AS last_price, s.bid::text AS bid, s.ask::text AS ask,
         trim_scale((s.bid + s.ask) / 2)::text AS midpoint,
         s.implied_volatility::text AS implied_volatility, s.delta::text AS delta,
         s.day_volume::text AS volume, s.open_interest::text AS open_interest,
         s.underlying_price::text AS underlying_price
  FROM options o
  CROSS JOIN LATERAL (
    SELECT * FROM option_snapshots s
    WHERE s.ticker = o.ticker AND s.captured_at < ${BOUND('$2')}
    ORDER BY s.captured_at DESC LIMIT 1
  ) s
  WHERE o.underlying_ticker = $1 AND o.expiration_date = $3::date AND o.contract_type IN ('call', 'put')
  ORDER BY o.strike_price, o.contract_type`;
