-- optdb's initial schema: contracts, snapshots, daily bars. Mirrors prisma/schema.prisma.

-- CreateEnum
CREATE TYPE "contract_type" AS ENUM ('call', 'put', 'other');

-- CreateEnum
CREATE TYPE "exercise_style" AS ENUM ('american', 'european', 'bermudan');

-- CreateTable
CREATE TABLE "options" (
    "ticker" TEXT NOT NULL,
    "underlying_ticker" TEXT NOT NULL,
    "root" TEXT NOT NULL,
    "contract_type" "contract_type" NOT NULL,
    "expiration_date" DATE NOT NULL,
    "strike_price" DECIMAL(12,3) NOT NULL,
    "shares_per_contract" INTEGER,
    "exercise_style" "exercise_style",
    "primary_exchange" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "options_pkey" PRIMARY KEY ("ticker")
);

-- CreateTable
CREATE TABLE "option_snapshots" (
    "ticker" TEXT NOT NULL,
    "captured_at" TIMESTAMPTZ(6) NOT NULL,
    "day_open" DECIMAL,
    "day_high" DECIMAL,
    "day_low" DECIMAL,
    "day_close" DECIMAL,
    "day_volume" BIGINT,
    "day_vwap" DECIMAL,
    "day_change" DECIMAL,
    "day_change_percent" DECIMAL,
    "previous_close" DECIMAL,
    "open_interest" BIGINT,
    "implied_volatility" DOUBLE PRECISION,
    "delta" DOUBLE PRECISION,
    "gamma" DOUBLE PRECISION,
    "theta" DOUBLE PRECISION,
    "vega" DOUBLE PRECISION,
    "bid" DECIMAL,
    "bid_size" BIGINT,
    "ask" DECIMAL,
    "ask_size" BIGINT,
    "quote_at" TIMESTAMPTZ(6),
    "last_price" DECIMAL,
    "last_size" BIGINT,
    "last_exchange" INTEGER,
    "last_trade_at" TIMESTAMPTZ(6),
    "underlying_price" DECIMAL,
    "break_even_price" DECIMAL,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "option_snapshots_pkey" PRIMARY KEY ("ticker","captured_at")
);

-- CreateTable
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
);

-- CreateIndex
CREATE INDEX "options_underlying_expiration_strike_idx" ON "options"("underlying_ticker", "expiration_date", "strike_price");

-- CreateIndex
CREATE INDEX "option_snapshots_captured_at_idx" ON "option_snapshots"("captured_at");

-- CreateIndex
CREATE INDEX "option_day_aggs_day_idx" ON "option_day_aggs"("day");

-- AddForeignKey
ALTER TABLE "option_snapshots" ADD CONSTRAINT "option_snapshots_ticker_fkey" FOREIGN KEY ("ticker") REFERENCES "options"("ticker") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "option_day_aggs" ADD CONSTRAINT "option_day_aggs_ticker_fkey" FOREIGN KEY ("ticker") REFERENCES "options"("ticker") ON DELETE RESTRICT ON UPDATE CASCADE;
