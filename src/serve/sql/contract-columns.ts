/**
 * The columns of `options o` as a response needs them, every value as text: numbers keep
 * the digits they were stored with. The strike is numeric(12,3), whose text always has
 * three decimals; trim_scale gives it back as Polygon writes it (4500, 22.5).
 */
export const CONTRACT_COLUMNS = `
  o.ticker,
  o.underlying_ticker,
  o.contract_type::text AS contract_type,
  o.exercise_style::text AS exercise_style,
  o.expiration_date::text AS expiration_date,
  trim_scale(o.strike_price)::text AS strike_price,
  o.shares_per_contract::text AS shares_per_contract,
  o.primary_exchange`;

/** The sort value of each sort, as the cursor keeps it. */
export const SORT_VALUE_COLUMNS = `
  o.expiration_date::text AS sort_expiration_date,
  o.strike_price::text AS sort_strike_price`;
