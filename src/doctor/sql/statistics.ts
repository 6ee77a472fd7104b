/**
 * What the statistics check reads (statistics.ts): per optdb table ($1, OPTDB_TABLES) in
 * the current schema, its live rows, the rows changed since its last ANALYZE and when
 * that was, by hand or by autovacuum.
 */
export const TABLE_STATISTICS = `
  SELECT relname AS table, n_live_tup::float8 AS live_rows, n_mod_since_analyze::float8 AS changed_rows,
         greatest(last_analyze, last_autoanalyze) AS last_analyzed
  FROM pg_stat_user_tables
  WHERE schemaname = current_schema() AND relname = ANY($1::text[])
  ORDER BY relname`;
