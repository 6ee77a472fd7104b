/**
 * What the ANALYZE after an ingest reads first (refresh-statistics.ts): the planner's row
 * estimate of each table it changed, and whether the backends that wrote the rows are gone.
 */

/**
 * $1: optdb's table names. reltuples is -1 for a table never analyzed (PostgreSQL 14 and
 * later). A partitioned table (option_day_aggs) is left out: ANALYZE of one goes on to
 * analyze every partition, a cost that grows with the history kept — its partitions are
 * judged one by one (PARTITION_CHANGES).
 */
export const PLANNER_ROWS = `
  SELECT name AS table, c.reltuples::float8 AS rows
  FROM unnest($1::text[]) AS name
  JOIN pg_class c ON c.oid = to_regclass(quote_ident(name))
  WHERE c.relkind <> 'p'`;

/** $1: the writers' server process ids. */
export const WRITERS_RUNNING = `SELECT count(*)::int AS running FROM pg_stat_activity WHERE pid = ANY($1::int[])`;

/**
 * $1: optdb's table names. Each partition of a partitioned one, with the rows changed
 * since its last ANALYZE (a day's load counts every row it loaded) and its row estimate.
 */
export const PARTITION_CHANGES = `
  SELECT name AS table, p.relid::regclass::text AS partition, c.reltuples::float8 AS rows,
         coalesce(s.n_mod_since_analyze, 0)::float8 AS changed
  FROM unnest($1::text[]) AS name, pg_partition_tree(to_regclass(quote_ident(name))) AS p
  JOIN pg_class c ON c.oid = p.relid
  LEFT JOIN pg_stat_user_tables s ON s.relid = p.relid
  WHERE p.isleaf`;
