/**
 * The statements behind GET /v1/status: how much is stored and what was written last.
 * Each reads through an index or the catalog, except the per-day counts, which count the
 * rows of the newest week only.
 */
import { micros } from '../../sql/analytics/chain-as-of.js';

/** optdb's tables. A fixed list: the only names these statements put in a regclass. */
export const STATUS_TABLES = ['options', 'option_snapshots', 'option_day_aggs', 'import_batches'] as const;

/**
 * A table and its partitions, when it has any: pg_partition_tree lists a partitioned table
 * and its partitions, and nothing for a plain table.
 */
export const RELATION_TREE = (name: string): string =>
  `(SELECT ${name}::regclass AS relid UNION SELECT p.relid FROM pg_partition_tree(${name}::regclass) p)`;

/**
 * Each table's size on disk (indexes and TOAST included) and its row estimate from the
 * last ANALYZE, summed over its partitions (a partitioned table holds nothing itself).
 * The estimate is NULL while the table or a partition was never analyzed.
 */
export const TABLE_SIZES = `
  SELECT t.name AS table_name, sizes.total_bytes, sizes.estimated_rows
  FROM unnest($1::text[]) WITH ORDINALITY AS t(name, position)
  CROSS JOIN LATERAL (
    SELECT sum(pg_total_relation_size(c.oid))::text AS total_bytes,
           CASE WHEN min(c.reltuples) < 0 THEN NULL ELSE sum(c.reltuples)::bigint::text END AS estimated_rows
    FROM ${RELATION_TREE('t.name')} r
    JOIN pg_class c ON c.oid = r.relid
    WHERE c.relkind <> 'p'
  ) sizes
  ORDER BY t.position`;

/** Snapshots and distinct capture times per day (New York) in the week up to the newest capture. */
export const SNAPSHOTS_PER_DAY = `
  SELECT (s.captured_at AT TIME ZONE 'America/New_York')::date::text AS day,
         count(*)::text AS snapshots, count(DISTINCT s.captured_at)::text AS captures
  FROM option_snapshots s
  WHERE s.captured_at > (SELECT max(captured_at) FROM option_snapshots) - interval '7 days'
  GROUP BY 1
  ORDER BY 1 DESC`;

/** Day bars per day in the week up to the newest. */
export const DAY_BARS_PER_DAY = `
  SELECT day::text AS day, count(*)::text AS bars
  FROM option_day_aggs
  WHERE day > (SELECT max(day) FROM option_day_aggs) - 7
  GROUP BY day
  ORDER BY day DESC`;

/**
 * The newest capture — what `optdb poll`'s last cycle wrote when a poll writes to this
 * database: its time, how many underlyings and snapshots, and when its rows were written.
 */
export const NEWEST_CAPTURE_WRITTEN = `
  SELECT ${micros('s.captured_at')} AS captured_at, count(DISTINCT o.underlying_ticker)::text AS underlyings,
         count(*)::text AS snapshots,
         ${micros('min(s.ingested_at)')} AS first_written_at, ${micros('max(s.ingested_at)')} AS last_written_at
  FROM option_snapshots s
  JOIN options o ON o.ticker = s.ticker
  WHERE s.captured_at = (SELECT max(captured_at) FROM option_snapshots)
  GROUP BY s.captured_at`;

/** The newest imports (optdb ingest) in the ledger: batches, rows, first and last commit. $1: how many. */
export const RECENT_IMPORTS = `
  SELECT import_id, count(*)::text AS batches, sum(rows)::text AS rows,
         ${micros('min(committed_at)')} AS first_committed_at, ${micros('max(committed_at)')} AS last_committed_at
  FROM import_batches
  GROUP BY import_id
  ORDER BY max(committed_at) DESC
  LIMIT $1`;
