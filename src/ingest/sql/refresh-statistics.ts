/**
 * What the ANALYZE after an ingest reads first (refresh-statistics.ts): the planner's row
 * estimate of each table it changed, and whether the backends that wrote the rows are gone.
 */

/** $1: optdb's table names. reltuples is -1 for a table never analyzed (PostgreSQL 14 and later). */
export const PLANNER_ROWS = `
  SELECT name AS table, c.reltuples::float8 AS rows
  FROM unnest($1::text[]) AS name
  JOIN pg_class c ON c.oid = to_regclass(quote_ident(name))`;

/** $1: the writers' server process ids. */
export const WRITERS_RUNNING = `SELECT count(*)::int AS running FROM pg_stat_activity WHERE pid = ANY($1::int[])`;
