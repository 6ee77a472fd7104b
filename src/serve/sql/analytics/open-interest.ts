/**
 * Open interest and volume by strike of the chain as of a bound — one expiration, or all
 * of them summed — with the call wall, the put wall and max pain. $1: underlying, $2:
 * bound (µs), $3: the expiration date when `oneExpiration`.
 *
 * - call wall / put wall: the strike with the most call / put open interest (the lower on
 *   a tie); absent when that side has none.
 * - max pain: the strike at which the options expiring in the money pay their holders the
 *   least, Σ calls OI·max(0, K − strike) + Σ puts OI·max(0, strike − K), over the listed
 *   strikes K (the lower on a tie); absent when there is no open interest. Each sum is
 *   computed for every K at once from running sums over the strikes in order —
 *   K·ΣOI − Σ(OI·strike) over the calls at or below K, and the mirror image for the puts
 *   at or above it — so the cost grows as n log n in the strikes, not n².
 */
import { ANCHOR_COLUMNS, type AnchorRow, chainWith, side } from './chain-as-of.js';

export function openInterestStatement(oneExpiration: boolean): string {
  return `
    ${chainWith('$1', '$2', oneExpiration ? ['o.expiration_date = $3::date'] : [])},
    strikes AS (
      SELECT strike_price,
             ${side('open_interest', 'call')} AS call_open_interest, ${side('open_interest', 'put')} AS put_open_interest,
             ${side('day_volume', 'call')} AS call_volume, ${side('day_volume', 'put')} AS put_volume
      FROM chain
      WHERE contract_type IN ('call', 'put')
      GROUP BY strike_price
    ),
    pain AS (
      SELECT strike_price,
             strike_price * sum(call_open_interest) OVER up - sum(call_open_interest * strike_price) OVER up
               + sum(put_open_interest * strike_price) OVER down - strike_price * sum(put_open_interest) OVER down AS payout
      FROM strikes
      WINDOW up AS (ORDER BY strike_price), down AS (ORDER BY strike_price DESC)
    ),
    levels AS (
      SELECT
        (SELECT strike_price FROM strikes WHERE call_open_interest > 0
         ORDER BY call_open_interest DESC, strike_price LIMIT 1) AS call_wall,
        (SELECT strike_price FROM strikes WHERE put_open_interest > 0
         ORDER BY put_open_interest DESC, strike_price LIMIT 1) AS put_wall,
        (SELECT strike_price FROM pain WHERE EXISTS (SELECT FROM strikes WHERE call_open_interest + put_open_interest > 0)
         ORDER BY payout, strike_price LIMIT 1) AS max_pain
    )
    SELECT trim_scale(s.strike_price)::text AS strike_price,
           s.call_open_interest::text AS call_open_interest, s.put_open_interest::text AS put_open_interest,
           s.call_volume::text AS call_volume, s.put_volume::text AS put_volume,
           trim_scale(levels.call_wall)::text AS call_wall, trim_scale(levels.put_wall)::text AS put_wall,
           trim_scale(levels.max_pain)::text AS max_pain, ${ANCHOR_COLUMNS}
    FROM strikes s CROSS JOIN levels CROSS JOIN anchor
    ORDER BY s.strike_price`;
}

export interface OpenInterestRow extends AnchorRow {
  readonly strike_price: string;
  readonly call_open_interest: string;
  readonly put_open_interest: string;
  readonly call_volume: string;
  readonly put_volume: string;
  readonly call_wall: string | null;
  readonly put_wall: string | null;
  readonly max_pain: string | null;
}
