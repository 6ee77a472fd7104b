-- The SQL-only floor for chain snapshots in `npm run bench`: what a hand-written psql
-- pipeline does with an NDJSON file of option-chain snapshot results, doing the same work
-- as optdb — parse each ticker into a contract, create the missing contracts, give known
-- ones what this source says of them (only where it changes something), and upsert the
-- snapshots with unchanged rows untouched. Run by bench/run.ts with the NDJSON on psql's
-- standard input. Column for column as optdb maps a result (src/domain/snapshot.ts):
-- captured_at is the newest of the quote, trade and day times, truncated to the minute
-- (optdb's default resolution); a timestamp of 0 means "not set".
BEGIN;
CREATE TEMPORARY TABLE staging (line bigint GENERATED ALWAYS AS IDENTITY, doc jsonb) ON COMMIT DROP;
-- CSV with a quote and a delimiter no JSON text holds: every line arrives whole, as it was
-- written (the text format would read JSON's backslash escapes as its own).
\copy staging (doc) FROM pstdin WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')

-- One row per contract, the last line's values winning, as optdb's batches merge them.
CREATE TEMPORARY TABLE contracts ON COMMIT DROP AS
SELECT DISTINCT ON (ticker) ticker, root, tail, underlying, shares, style
FROM (
  SELECT line, doc->'details'->>'ticker' AS ticker,
         substr(doc->'details'->>'ticker', 3, length(doc->'details'->>'ticker') - 17) AS root,
         right(doc->'details'->>'ticker', 15) AS tail,
         doc->'underlying_asset'->>'ticker' AS underlying,
         (doc->'details'->>'shares_per_contract')::integer AS shares,
         (doc->'details'->>'exercise_style')::exercise_style AS style
  FROM staging
) c
ORDER BY ticker, line DESC;

INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price, shares_per_contract, exercise_style)
SELECT ticker,
       COALESCE(underlying, regexp_replace(root, '\d+$', '')),
       root,
       CASE substr(tail, 7, 1) WHEN 'C' THEN 'call'::contract_type ELSE 'put'::contract_type END,
       to_date(substr(tail, 1, 6), 'YYMMDD'),
       substr(tail, 8)::numeric / 1000,
       shares,
       style
FROM contracts
ORDER BY ticker
ON CONFLICT (ticker) DO NOTHING;

-- Known contracts learn what this source says; a null never overwrites a known value.
UPDATE options o SET
  underlying_ticker   = COALESCE(i.underlying, o.underlying_ticker),
  shares_per_contract = COALESCE(i.shares, o.shares_per_contract),
  exercise_style      = COALESCE(i.style, o.exercise_style),
  updated_at          = now()
FROM contracts i
WHERE o.ticker = i.ticker
  AND (COALESCE(i.underlying, o.underlying_ticker), COALESCE(i.shares, o.shares_per_contract), COALESCE(i.style, o.exercise_style))
      IS DISTINCT FROM (o.underlying_ticker, o.shares_per_contract, o.exercise_style);

INSERT INTO option_snapshots AS t (
  ticker, captured_at, day_open, day_high, day_low, day_close, day_volume, day_vwap, day_change, day_change_percent,
  previous_close, open_interest, implied_volatility, delta, gamma, theta, vega, bid, bid_size, ask, ask_size, quote_at,
  last_price, last_size, last_exchange, last_trade_at, underlying_price, break_even_price, source)
SELECT DISTINCT ON (ticker, captured_at)
       ticker,
       timestamptz 'epoch' + (newest - newest % 60000000) * interval '1 microsecond' AS captured_at,
       (d->>'open')::numeric, (d->>'high')::numeric, (d->>'low')::numeric, (d->>'close')::numeric,
       (d->>'volume')::bigint, (d->>'vwap')::numeric, (d->>'change')::numeric, (d->>'change_percent')::numeric,
       (d->>'previous_close')::numeric,
       (doc->>'open_interest')::bigint, (doc->>'implied_volatility')::float8,
       (g->>'delta')::float8, (g->>'gamma')::float8, (g->>'theta')::float8, (g->>'vega')::float8,
       (q->>'bid')::numeric, (q->>'bid_size')::bigint, (q->>'ask')::numeric, (q->>'ask_size')::bigint,
       timestamptz 'epoch' + quote_us * interval '1 microsecond',
       (tr->>'price')::numeric, (tr->>'size')::bigint, (tr->>'exchange')::integer,
       timestamptz 'epoch' + trade_us * interval '1 microsecond',
       COALESCE((u->>'price')::numeric, (u->>'value')::numeric),
       (doc->>'break_even_price')::numeric,
       'polygon'
FROM (
  SELECT *, greatest(quote_us, trade_us, day_us) AS newest
  FROM (
    SELECT line, doc, doc->'details'->>'ticker' AS ticker,
           doc->'day' AS d, doc->'greeks' AS g, doc->'last_quote' AS q, doc->'last_trade' AS tr, doc->'underlying_asset' AS u,
           NULLIF((doc->'last_quote'->>'last_updated')::bigint, 0) / 1000 AS quote_us,
           NULLIF((doc->'last_trade'->>'sip_timestamp')::bigint, 0) / 1000 AS trade_us,
           NULLIF((doc->'day'->>'last_updated')::bigint, 0) / 1000 AS day_us
    FROM staging
  ) fields
) s
ORDER BY ticker, captured_at, line DESC
ON CONFLICT (ticker, captured_at) DO UPDATE SET
  day_open = EXCLUDED.day_open, day_high = EXCLUDED.day_high, day_low = EXCLUDED.day_low, day_close = EXCLUDED.day_close,
  day_volume = EXCLUDED.day_volume, day_vwap = EXCLUDED.day_vwap, day_change = EXCLUDED.day_change,
  day_change_percent = EXCLUDED.day_change_percent, previous_close = EXCLUDED.previous_close,
  open_interest = EXCLUDED.open_interest, implied_volatility = EXCLUDED.implied_volatility, delta = EXCLUDED.delta,
  gamma = EXCLUDED.gamma, theta = EXCLUDED.theta, vega = EXCLUDED.vega, bid = EXCLUDED.bid, bid_size = EXCLUDED.bid_size,
  ask = EXCLUDED.ask, ask_size = EXCLUDED.ask_size, quote_at = EXCLUDED.quote_at, last_price = EXCLUDED.last_price,
  last_size = EXCLUDED.last_size, last_exchange = EXCLUDED.last_exchange, last_trade_at = EXCLUDED.last_trade_at,
  underlying_price = EXCLUDED.underlying_price, break_even_price = EXCLUDED.break_even_price, source = EXCLUDED.source,
  ingested_at = now()
WHERE (t.day_open, t.day_high, t.day_low, t.day_close, t.day_volume, t.day_vwap, t.day_change, t.day_change_percent,
       t.previous_close, t.open_interest, t.implied_volatility, t.delta, t.gamma, t.theta, t.vega, t.bid, t.bid_size, t.ask,
       t.ask_size, t.quote_at, t.last_price, t.last_size, t.last_exchange, t.last_trade_at, t.underlying_price,
       t.break_even_price, t.source)
      IS DISTINCT FROM
      (EXCLUDED.day_open, EXCLUDED.day_high, EXCLUDED.day_low, EXCLUDED.day_close, EXCLUDED.day_volume, EXCLUDED.day_vwap,
       EXCLUDED.day_change, EXCLUDED.day_change_percent, EXCLUDED.previous_close, EXCLUDED.open_interest,
       EXCLUDED.implied_volatility, EXCLUDED.delta, EXCLUDED.gamma, EXCLUDED.theta, EXCLUDED.vega, EXCLUDED.bid,
       EXCLUDED.bid_size, EXCLUDED.ask, EXCLUDED.ask_size, EXCLUDED.quote_at, EXCLUDED.last_price, EXCLUDED.last_size,
       EXCLUDED.last_exchange, EXCLUDED.last_trade_at, EXCLUDED.underlying_price, EXCLUDED.break_even_price,
       EXCLUDED.source);
COMMIT;
