/**
 * One row per expiration of the chain as of a bound: call and put volume and open
 * interest, their put/call ratios, and the at-the-money strike and implied volatility —
 * the term structure is the last two by expiration. $1: underlying, $2: bound (µs).
 *
 * At the money: of the expiration's strikes with an implied volatility stored (call or
 * put), the one nearest the anchor's underlying price, the lower on a tie; its implied
 * volatility is the mean of its call's and put's (the one stored when only one is).
 * Volumes are the snapshots' day volumes; a value not stored counts as 0. A ratio is put
 * over call rounded to 4 decimals, absent when the call side is 0.
 */
import { ANCHOR_COLUMNS, type AnchorRow, chainWith, side } from './chain-as-of.js';

const ratio = (puts: string, calls: string): string => `trim_scale(round(${puts} / nullif(${calls}, 0), 4))::text`;

export const EXPIRATIONS = `
  ${chainWith('$1', '$2')},
  by_strike AS (
    SELECT expiration_date, strike_price, avg(implied_volatility) AS implied_volatility
    FROM chain
    WHERE implied_volatility IS NOT NULL AND contract_type IN ('call', 'put')
    GROUP BY expiration_date, strike_price
  ),
  atm AS (
    SELECT DISTINCT ON (b.expiration_date) b.expiration_date, b.strike_price, b.implied_volatility
    FROM by_strike b CROSS JOIN anchor
    WHERE anchor.underlying_price IS NOT NULL
    ORDER BY b.expiration_date, abs(b.strike_price - anchor.underlying_price), b.strike_price
  ),
  totals AS (
    SELECT expiration_date,
           ${side('day_volume', 'call')} AS call_volume, ${side('day_volume', 'put')} AS put_volume,
           ${side('open_interest', 'call')} AS call_open_interest, ${side('open_interest', 'put')} AS put_open_interest
    FROM chain
    GROUP BY expiration_date
  )
  SELECT t.expiration_date::text AS expiration_date,
         (t.expiration_date - (anchor.captured_at AT TIME ZONE 'America/New_York')::date)::text AS days_to_expiration,
         t.call_volume::text AS call_volume, t.put_volume::text AS put_volume,
         ${ratio('t.put_volume', 't.call_volume')} AS put_call_volume_ratio,
         t.call_open_interest::text AS call_open_interest, t.put_open_interest::text AS put_open_interest,
         ${ratio('t.put_open_interest', 't.call_open_interest')} AS put_call_open_interest_ratio,
         trim_scale(atm.strike_price)::text AS atm_strike, atm.implied_volatility::text AS atm_implied_volatility,
         ${ANCHOR_COLUMNS}
  FROM totals t CROSS JOIN anchor
  LEFT JOIN atm ON atm.expiration_date = t.expiration_date
  ORDER BY t.expiration_date`;

export interface ExpirationRow extends AnchorRow {
  readonly expiration_date: string;
  readonly days_to_expiration: string;
  readonly call_volume: string;
  readonly put_volume: string;
  readonly put_call_volume_ratio: string | null;
  readonly call_open_interest: string;
  readonly put_open_interest: string;
  readonly put_call_open_interest_ratio: string | null;
  readonly atm_strike: string | null;
  readonly atm_implied_volatility: string | null;
}
