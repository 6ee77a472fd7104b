-- The SQL-only floor for `npm run bench`: what a hand-written psql pipeline does with a
-- day_aggs_v1 file, doing the same work as optdb — parse tickers into contracts, create
-- the missing ones, and upsert the bars (unchanged rows untouched). Run by bench/run.ts
-- with the CSV on psql's standard input.
\timing on
BEGIN;
CREATE TEMPORARY TABLE staging (
  ticker text, volume bigint, open numeric, close numeric, high numeric, low numeric, window_start bigint, transactions bigint
) ON COMMIT DROP;
\copy staging FROM pstdin WITH (FORMAT csv, HEADER true)

INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price)
SELECT ticker,
       regexp_replace(root, '\d+$', ''),
       root,
       CASE substr(tail, 7, 1) WHEN 'C' THEN 'call'::contract_type ELSE 'put'::contract_type END,
       to_date(substr(tail, 1, 6), 'YYMMDD'),
       substr(tail, 8)::numeric / 1000
FROM (SELECT DISTINCT ticker, substr(ticker, 3, length(ticker) - 17) AS root, right(ticker, 15) AS tail FROM staging) parsed
ORDER BY ticker
ON CONFLICT (ticker) DO NOTHING;

-- option_day_aggs is partitioned by day, as optdb's is: each new day gets its partition first.
DO $$
DECLARE d date;
BEGIN
  FOR d IN SELECT DISTINCT (to_timestamp(window_start / 1000000000) AT TIME ZONE 'America/New_York')::date FROM staging LOOP
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF option_day_aggs FOR VALUES FROM (%L) TO (%L)',
                   'option_day_aggs_' || to_char(d, 'YYYYMMDD'), d, d + 1);
  END LOOP;
END $$;

INSERT INTO option_day_aggs AS t (ticker, day, open, high, low, close, volume, transactions)
SELECT DISTINCT ON (ticker, day) ticker, day, open, high, low, close, volume, transactions
FROM (SELECT *, (to_timestamp(window_start / 1000000000) AT TIME ZONE 'America/New_York')::date AS day FROM staging) s
ORDER BY ticker, day
ON CONFLICT (ticker, day) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
  volume = EXCLUDED.volume, transactions = EXCLUDED.transactions
WHERE (t.open, t.high, t.low, t.close, t.volume, t.transactions)
      IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume, EXCLUDED.transactions);
COMMIT;
