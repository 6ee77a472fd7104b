/**
 * After an ingest, the tables it changed a lot are analyzed at once. Autovacuum would get
 * there, but only after its nap — and until then the planner plans the next batches and
 * queries with the row counts from before the load (the knowledge base: stale statistics
 * come before bad plans). Judged by what the ingest itself wrote against the planner's
 * row estimate (pg_class.reltuples), because the statistics collector's counters reach
 * shared memory only some time after the writing sessions commit.
 */
import type pg from 'pg';
import { withPooledClient } from '../db/pool.js';
import { type AnalyzeResult, analyzeTables, isStale, STALENESS_RULE } from '../db/table-statistics.js';

// reltuples is -1 for a table never analyzed (PostgreSQL 14 and later).
const PLANNER_ROWS = `
  SELECT name AS table, c.reltuples::float8 AS rows
  FROM unnest($1::text[]) AS name
  JOIN pg_class c ON c.oid = to_regclass(quote_ident(name))`;

/** `changedRows`: rows inserted or updated per table; the names are optdb's own tables. */
export async function refreshStatistics(pool: pg.Pool, changedRows: Readonly<Record<string, number>>): Promise<AnalyzeResult> {
  const candidates = Object.keys(changedRows).filter((table) => changedRows[table]! >= STALENESS_RULE.minChangedRows);
  if (candidates.length === 0) return { analyzed: [], failed: [] };
  return withPooledClient(pool, async (client) => {
    const { rows } = await client.query<{ table: string; rows: number }>(PLANNER_ROWS, [candidates]);
    const stale = rows.filter((row) => isStale(changedRows[row.table]!, Math.max(row.rows, 0), row.rows >= 0)).map((row) => row.table);
    return analyzeTables(client, stale);
  });
}
