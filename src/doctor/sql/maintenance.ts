/**
 * What the maintenance checks read from the statistics views and catalogs. $1 is always
 * optdb's table names (OPTDB_TABLES), resolved through the search_path the way optdb's own
 * statements resolve them; tables that do not exist (an unmigrated database) drop out.
 * A partitioned table (option_day_aggs) holds nothing itself: what it holds is summed over
 * its partitions, under its own name.
 */

const OPTDB_RELATIONS = `(SELECT to_regclass(name) FROM unnest($1::text[]) AS name)`;

/** Each of optdb's tables and each of its partitions (`relid`), with the table's name (`root`). */
// pg_partition_tree lists the partitioned table itself and its partitions, and nothing for a plain table.
const OPTDB_RELATION_TREES = `(
  SELECT name AS root, to_regclass(name) AS relid FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL
  UNION
  SELECT name, t.relid FROM unnest($1::text[]) AS name, pg_partition_tree(to_regclass(name)) AS t)`;

/** Live and dead row versions per table, when it was last vacuumed, and whether autovacuum may. */
export const DEAD_ROWS = `
  SELECT r.root AS table, sum(s.n_live_tup)::float8 AS live, sum(s.n_dead_tup)::float8 AS dead,
         min(greatest(s.last_vacuum, s.last_autovacuum)) AS last_vacuum,
         bool_and(coalesce((SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = 'autovacuum_enabled'), 'on')
           NOT IN ('false', 'off', 'no', '0')) AS autovacuum_enabled
  FROM ${OPTDB_RELATION_TREES} r
  JOIN pg_stat_user_tables s ON s.relid = r.relid
  JOIN pg_class c ON c.oid = s.relid
  GROUP BY r.root
  ORDER BY r.root`;

/**
 * How far the database is from transaction-ID wraparound: age(datfrozenxid) counts the
 * transactions since its oldest unfrozen row; at 2^31 the server stops accepting writes.
 * The oldest table is the one a VACUUM (FREEZE) would help first.
 */
export const XID_AGE = `
  SELECT age(d.datfrozenxid)::float8 AS age,
         current_setting('autovacuum_freeze_max_age')::float8 AS freeze_max_age,
         oldest.name AS oldest_table, oldest.age AS oldest_table_age
  FROM pg_database d
  LEFT JOIN LATERAL (
    SELECT c.oid::regclass::text AS name, age(c.relfrozenxid)::float8 AS age
    FROM pg_class c WHERE c.relkind IN ('r', 'm', 't')
    ORDER BY age(c.relfrozenxid) DESC LIMIT 1
  ) oldest ON true
  WHERE d.datname = current_database()`;

/** Blocks found in shared buffers (hit) or read from outside them, since statistics were reset. */
export const CACHE_HITS = `
  SELECT coalesce(sum(heap_blks_hit), 0)::float8 AS heap_hit, coalesce(sum(heap_blks_read), 0)::float8 AS heap_read,
         coalesce(sum(idx_blks_hit), 0)::float8 AS index_hit, coalesce(sum(idx_blks_read), 0)::float8 AS index_read
  FROM pg_statio_user_tables
  WHERE relid IN (SELECT relid FROM ${OPTDB_RELATION_TREES} r)`;

export const SIZES = `
  SELECT r.root AS table, sum(pg_total_relation_size(r.relid))::float8 AS total_bytes,
         sum(pg_relation_size(r.relid))::float8 AS heap_bytes, sum(pg_indexes_size(r.relid))::float8 AS index_bytes,
         pg_size_pretty(sum(pg_total_relation_size(r.relid))) AS total, pg_size_pretty(sum(pg_indexes_size(r.relid))) AS indexes
  FROM ${OPTDB_RELATION_TREES} r
  GROUP BY r.root
  ORDER BY 2 DESC, r.root`;

/**
 * Indexes the planner may not use: a CREATE INDEX CONCURRENTLY that failed (or is running
 * right now) leaves one behind, still maintained on every write.
 */
export const INVALID_INDEXES = `
  SELECT i.indexrelid::regclass::text AS index, i.indrelid::regclass::text AS table
  FROM pg_index i
  WHERE i.indrelid IN ${OPTDB_RELATIONS} AND NOT i.indisvalid
  ORDER BY 1`;

/**
 * Valid indexes on the same table with the same columns, operator classes, collations,
 * orderings, expressions and predicate: each is written on every insert, one is enough.
 * Oldest first (by OID: the migration's own index before a later copy); `droppable`
 * leaves out indexes that back a constraint (primary key, unique).
 */
export const DUPLICATE_INDEXES = `
  SELECT i.indrelid::regclass::text AS table,
         array_agg(i.indexrelid::regclass::text ORDER BY i.indexrelid) AS indexes,
         array_agg(i.indexrelid::regclass::text ORDER BY i.indexrelid)
           FILTER (WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)) AS droppable
  FROM pg_index i
  WHERE i.indrelid IN ${OPTDB_RELATIONS} AND i.indisvalid
  GROUP BY i.indrelid, i.indkey::text, i.indclass::text, i.indcollation::text, i.indoption::text,
           coalesce(pg_get_expr(i.indexprs, i.indrelid), ''), coalesce(pg_get_expr(i.indpred, i.indrelid), '')
  HAVING count(*) > 1
  ORDER BY 1`;

/** The loads of new days not attached yet (write/day-load.ts): each table, its row estimate and the comment naming its input. */
export const DAY_LOADS = `
  SELECT c.relname AS table, greatest(c.reltuples, coalesce(s.n_live_tup, 0))::float8 AS rows,
         obj_description(c.oid, 'pg_class') AS owner
  FROM pg_class c
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND starts_with(c.relname, $1)
  ORDER BY c.relname`;
