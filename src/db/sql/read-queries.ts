/**
 * The first questions users ask of optdb's data: plain SQL over the schema
 * (docs/schema.md). The demo runs them on the data it loaded, and the doctor's plans
 * check explains them as the read side of a workload. They live in the database layer,
 * below both, because the two are peers that may not import each other, and because the
 * questions are about the schema, not about either tool.
 */

/** The nearest expiration's chain around the money: calls and puts side by side per strike. $1: the underlying, $2: the day. */
export const NEAREST_CHAIN = `
  WITH latest AS (
    SELECT DISTINCT ON (s.ticker) s.*, o.strike_price, o.contract_type, o.expiration_date
    FROM option_snapshots s JOIN options o USING (ticker)
    WHERE o.underlying_ticker = $1 AND o.expiration_date >= $2::date
    ORDER BY s.ticker, s.captured_at DESC
  ),
  nearest AS (SELECT min(expiration_date) AS expiration, avg(underlying_price) AS spot FROM latest)
  SELECT l.expiration_date::text AS expiration, round(n.spot, 2)::text AS spot, l.strike_price::float8 AS strike,
         max(l.bid) FILTER (WHERE l.contract_type = 'call')::text AS call_bid,
         max(l.ask) FILTER (WHERE l.contract_type = 'call')::text AS call_ask,
         round(max(l.delta) FILTER (WHERE l.contract_type = 'call')::numeric, 3)::text AS call_delta,
         round(max(l.implied_volatility) FILTER (WHERE l.contract_type = 'call')::numeric, 3)::text AS call_iv,
         max(l.bid) FILTER (WHERE l.contract_type = 'put')::text AS put_bid,
         max(l.ask) FILTER (WHERE l.contract_type = 'put')::text AS put_ask,
         round(max(l.delta) FILTER (WHERE l.contract_type = 'put')::numeric, 3)::text AS put_delta,
         round(max(l.implied_volatility) FILTER (WHERE l.contract_type = 'put')::numeric, 3)::text AS put_iv
  FROM latest l CROSS JOIN nearest n
  WHERE l.expiration_date = n.expiration AND l.strike_price BETWEEN n.spot * 0.97 AND n.spot * 1.03
  GROUP BY l.expiration_date, n.spot, l.strike_price
  ORDER BY l.strike_price`;

/** The most traded contracts of the day ($1, YYYY-MM-DD). */
export const TOP_VOLUME = `
  SELECT s.ticker, o.underlying_ticker AS underlying, s.day_volume::text AS volume, s.open_interest::text AS open_interest,
         s.day_close::text AS close, round(s.implied_volatility::numeric, 3)::text AS iv
  FROM option_snapshots s JOIN options o USING (ticker)
  WHERE s.captured_at >= $1::date AND s.captured_at < $1::date + 1 AND s.day_volume IS NOT NULL
  ORDER BY s.day_volume DESC, s.ticker
  LIMIT 10`;
