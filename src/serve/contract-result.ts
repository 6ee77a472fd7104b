/**
 * A row of `options` → one record of Polygon's contracts reference
 * (GET /v3/reference/options/contracts); also the contract half of a snapshot result.
 * optdb does not store `cfi`, `correction` or `additional_underlyings`: they are absent.
 */
import { type JsonOut, number, present } from './json-body.js';

export interface ContractRow {
  readonly ticker: string;
  readonly underlying_ticker: string;
  readonly contract_type: string;
  readonly exercise_style: string | null;
  readonly expiration_date: string;
  readonly strike_price: string;
  readonly shares_per_contract: string | null;
  readonly primary_exchange: string | null;
  readonly sort_expiration_date?: string;
  readonly sort_strike_price?: string;
}

/** A contracts reference record (GET /v3/reference/options/contracts). */
export function contractResult(row: ContractRow): Record<string, JsonOut> {
  return present({
    contract_type: row.contract_type,
    exercise_style: row.exercise_style ?? undefined,
    expiration_date: row.expiration_date,
    primary_exchange: row.primary_exchange ?? undefined,
    shares_per_contract: number(row.shares_per_contract),
    strike_price: number(row.strike_price),
    ticker: row.ticker,
    underlying_ticker: row.underlying_ticker,
  })!;
}
