/**
 * What the ANALYZE after an ingest reads first (refresh-statistics.ts): the planner's row
 * estimate of each table it changed, and whether the backends that wrote the rows are gone.
 */

/**
 * $1: optdb's table names. reltuples is -1 for a table never analyzed (PostgreSQL 14 and
 * later). A partitioned table (option_day_aggs) is left out: ANALYZE of one goes on to
 * analyze every partition, a cost that grows with the history kept, while autovacuum
 * analyzes a freshly written partition like any table.
 */
export const PLANNER_ROWS = `
  SELECT name AS table, c.reltuples::float8 AS rows
  FROM unnest($1::text[]) AS name
  JOIN pg_class c ON c.oid = to_regclass(quote_ident(name))
  WHERE c.relkind <> 'p'`;

/** $1: the writers' server process ids. */
export const WRITERS_RUNNING = `SELECT count(*)::int AS running FROM pg_stat_activity WHERE pid = ANY($1::int[])`;
