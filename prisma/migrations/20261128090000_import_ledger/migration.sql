-- The import ledger: which batches of which input are committed (exactly-once resume).

-- CreateTable
CREATE TABLE "import_batches" (
    "import_id" TEXT NOT NULL,
    "first_record" INTEGER NOT NULL,
    "last_record" INTEGER NOT NULL,
    "rows" INTEGER NOT NULL,
    "committed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "import_batches_pkey" PRIMARY KEY ("import_id","first_record")
);
