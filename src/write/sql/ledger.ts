/**
 * The import ledger's statements (table `import_batches`; ledger.ts and the write
 * strategies run them). A batch's row is inserted in the same transaction as its rows.
 */

/** $1 the import's identity, $2 and $3 the first and last record, $4 the rows: see ledgerParameters. */
export const RECORD_BATCH = `
  INSERT INTO import_batches (import_id, first_record, last_record, rows)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (import_id, first_record) DO NOTHING`;

/** $1 the import's identity. */
export const SELECT_COMMITTED = `
  SELECT first_record, last_record FROM import_batches WHERE import_id = $1 ORDER BY first_record`;
