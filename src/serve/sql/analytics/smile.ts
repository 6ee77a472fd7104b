/**
 * The smile of one expiration as of a bound: each call and put with an implied volatility
 * stored, by strike, then type. $1: underlying, $2: bound (µs), $3: expiration date.
 *
 * The anchor comes first and the contracts are joined to it, so that an expiration whose
 * contracts have no implied volatility (on its last day, say) still reports the capture
 * read: one row whose contract columns are NULL.
 */
import { ANCHOR_COLUMNS, type AnchorRow, chainWith } from './chain-as-of.js';

export const SMILE = `
  ${chainWith('$1', '$2', ['o.expiration_date = $3::date'])}
  SELECT trim_scale(c.strike_price)::text AS strike_price, c.contract_type::text AS contract_type, c.ticker,
         c.delta::text AS delta, c.implied_volatility::text AS implied_volatility, ${ANCHOR_COLUMNS}
  FROM anchor
  LEFT JOIN chain c ON c.implied_volatility IS NOT NULL AND c.contract_type IN ('call', 'put')
  WHERE anchor.captured_at IS NOT NULL
  ORDER BY c.strike_price, c.contract_type, c.ticker`;

/** A contract of the smile, or (all its contract columns NULL) only the anchor. */
export interface SmileRow extends AnchorRow {
  readonly strike_price: string | null;
  readonly contract_type: string | null;
  readonly ticker: string | null;
  readonly delta: string | null;
  readonly implied_volatility: string | null;
}
