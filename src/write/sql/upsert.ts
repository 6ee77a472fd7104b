/**
 * The statements that write a batch of rows into a target table.
 *
 * The upsert is a flat `INSERT … SELECT … ON CONFLICT (key) DO UPDATE … WHERE (…) IS
 * DISTINCT FROM (…)`: the WHERE makes a re-ingest of identical data write nothing (no new
 * row versions). Rows neither inserted nor updated are unchanged. Identifiers come only
 * from the fixed TableSpecs.
 *
 * Which written rows were inserted and which updated is told by the lookup below: whether
 * the key was stored when the statement began (`optdb_stored`). Not by RETURNING (xmax =
 * 0), which PostgreSQL refuses through a partitioned table (option_day_aggs). A key that
 * a concurrent writer commits after the lookup and before the insert counts as inserted,
 * though it ends as an update of that writer's row: still one count for one row.
 *
 * Rows already stored with the same values are left out before the upsert (changedRows):
 * ON CONFLICT DO UPDATE locks every conflicting row even when its WHERE then writes
 * nothing, and a lock is a write — one WAL record and a dirtied page per unchanged row,
 * which made a re-ingest of an unchanged day cost as much as loading it. The lookup is a
 * LATERAL subquery with LIMIT, one index probe per row whatever the statistics say (a
 * NOT EXISTS can be planned as a hash anti-join that reads the whole table for every
 * batch, and the statistics of a table being loaded are always behind).
 */
import pg from 'pg';
import type { TableSpec } from '../tables.js';

// Quoted by the driver's own escaping even though the names come from a fixed list: a
// name that ever held a quote would still make a valid identifier, never SQL.
const quote = (name: string) => pg.escapeIdentifier(name);

/** Whether a changed row's key was stored already (changedRows): the upsert counts it as updated. */
const STORED = 'optdb_stored';

/**
 * The rows of `from` (the batch's rows as `s`, with the table's column names and types: a
 * staging table, or unnest) that are not stored with the same values: new keys, and keys
 * whose values change.
 */
export function changedRows(table: TableSpec, from: string): string {
  const valueColumns = table.columns.map((c) => c.name).filter((name) => !table.key.includes(name));
  const sameKey = table.key.map((name) => `e.${quote(name)} = s.${quote(name)}`).join(' AND ');
  const row = (alias: string) => valueColumns.map((name) => `${alias}.${quote(name)}`).join(', ');
  return `
      SELECT s.*, e.found IS NOT NULL AS ${STORED} FROM ${from}
      LEFT JOIN LATERAL (SELECT true AS found, ${row('e')} FROM ${quote(table.name)} e WHERE ${sameKey} LIMIT 1) e ON true
      WHERE e.found IS NULL OR (${row('e')}) IS DISTINCT FROM (${row('s')})`;
}

/**
 * Upserts the rows of `from`, which must hold only changed rows with their `optdb_stored`
 * (changedRows's rows, as `s`).
 */
export function upsertStatement(table: TableSpec, from: string): string {
  const names = table.columns.map((c) => c.name);
  const valueColumns = names.filter((name) => !table.key.includes(name));
  const assignments = valueColumns.map((name) => `${quote(name)} = EXCLUDED.${quote(name)}`);
  if (table.touchedAt) assignments.push(`${quote(table.touchedAt)} = now()`);
  const key = table.key.map(quote);
  return `
    WITH changed AS MATERIALIZED (SELECT s.* FROM ${from}),
    written AS (
      INSERT INTO ${quote(table.name)} AS t (${names.map(quote).join(', ')})
      SELECT ${names.map((name) => `s.${quote(name)}`).join(', ')} FROM changed s
      ORDER BY ${key.map((name) => `s.${name}`).join(', ')}
      ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${assignments.join(', ')}
      WHERE (${valueColumns.map((n) => `t.${quote(n)}`).join(', ')}) IS DISTINCT FROM (${valueColumns.map((n) => `EXCLUDED.${quote(n)}`).join(', ')})
      RETURNING ${key.map((name) => `t.${name}`).join(', ')}
    )
    SELECT count(*) FILTER (WHERE NOT c.${STORED})::int AS inserted, count(*) FILTER (WHERE c.${STORED})::int AS updated
    FROM written w JOIN changed c ON ${key.map((name) => `c.${name} = w.${name}`).join(' AND ')}`;
}

/** Upserts the rows of `from` (as for changedRows) that are not stored with the same values. */
export function upsertChangedRows(table: TableSpec, from: string): string {
  return upsertStatement(table, `(${changedRows(table, from)}) AS s`);
}

/** `unnest($1::text[], …)` as `s`, with every column cast from text to its type. */
export function unnestSource(table: TableSpec): string {
  const names = table.columns.map((c) => quote(c.name));
  const arrays = table.columns.map((_, i) => `$${i + 1}::text[]`);
  const casts = table.columns.map((c) => `${quote(c.name)}::${c.type} AS ${quote(c.name)}`);
  return `(SELECT ${casts.join(', ')} FROM unnest(${arrays.join(', ')}) AS u(${names.join(', ')})) AS s`;
}
