-- option_day_aggs becomes a table partitioned by trading day: one partition per day, so
-- that a new day's file can be loaded into a bare table of its own, keyed and checked
-- against `options` set-based, and attached whole (src/write/day-load.ts) — far cheaper
-- for the server than maintaining the key and checking the foreign key row by row.
--
-- Rows already stored are not moved: the existing table becomes the one partition of the
-- days it holds, with its key, index and foreign key attached as they are. Later days get
-- a partition each. Attaching reads the table once to check that every row lies in its
-- range (a minute or so per hundred million rows); nothing is rewritten.

ALTER TABLE "option_day_aggs" RENAME TO "option_day_aggs_unpartitioned";
ALTER TABLE "option_day_aggs_unpartitioned" RENAME CONSTRAINT "option_day_aggs_pkey" TO "option_day_aggs_unpartitioned_pkey";
ALTER TABLE "option_day_aggs_unpartitioned" RENAME CONSTRAINT "option_day_aggs_ticker_fkey" TO "option_day_aggs_unpartitioned_ticker_fkey";
ALTER INDEX "option_day_aggs_day_idx" RENAME TO "option_day_aggs_unpartitioned_day_idx";

CREATE TABLE "option_day_aggs" (
    "ticker" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "open" DECIMAL NOT NULL,
    "high" DECIMAL NOT NULL,
    "low" DECIMAL NOT NULL,
    "close" DECIMAL NOT NULL,
    "volume" BIGINT NOT NULL,
    "transactions" BIGINT,

    CONSTRAINT "option_day_aggs_pkey" PRIMARY KEY ("ticker","day")
) PARTITION BY RANGE ("day");

CREATE INDEX "option_day_aggs_day_idx" ON "option_day_aggs"("day");

ALTER TABLE "option_day_aggs" ADD CONSTRAINT "option_day_aggs_ticker_fkey" FOREIGN KEY ("ticker") REFERENCES "options"("ticker") ON DELETE RESTRICT ON UPDATE CASCADE;

DO $$
DECLARE
  first_day date;
  last_day date;
  partition_name text;
BEGIN
  SELECT min("day"), max("day") INTO first_day, last_day FROM "option_day_aggs_unpartitioned";
  IF first_day IS NULL THEN
    DROP TABLE "option_day_aggs_unpartitioned";
  ELSE
    -- Named like every day partition, after the first day of its range and the day after its last.
    partition_name := 'option_day_aggs_' || to_char(first_day, 'YYYYMMDD') || '_' || to_char(last_day + 1, 'YYYYMMDD');
    EXECUTE format('ALTER TABLE "option_day_aggs_unpartitioned" RENAME TO %I', partition_name);
    EXECUTE format('ALTER TABLE "option_day_aggs" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', partition_name, first_day, last_day + 1);
  END IF;
END $$;
