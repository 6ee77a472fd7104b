/**
 * The statements that write a batch of rows into a target table.
 *
 * The upsert is a flat `INSERT … SELECT … ON CONFLICT (key) DO UPDATE … WHERE (…) IS
 * DISTINCT FROM (…)`: the WHERE makes a re-ingest of identical data write nothing (no new
 * row versions); RETURNING (xmax = 0) tells inserted rows from updated ones, and rows
 * neither inserted nor updated are unchanged. Identifiers come only from the fixed
 * TableSpecs.
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
      SELECT s.* FROM ${from}
      LEFT JOIN LATERAL (SELECT true AS found, ${row('e')} FROM ${quote(table.name)} e WHERE ${sameKey} LIMIT 1) e ON true
      WHERE e.found IS NULL OR (${row('e')}) IS DISTINCT FROM (${row('s')})`;
}

/**
 * Upserts the rows of `from` (as for changedRows); `from` should hold only changed rows.
 * `target` is the table or, for a partitioned one, the partition all the rows belong in:
 * RETURNING cannot read a system column (xmax) through a partitioned table.
 */
export function upsertStatement(table: TableSpec, from: string, target: string = table.name): string {
  const names = table.columns.map((c) => c.name);
  const valueColumns = names.filter((name) => !table.key.includes(name));
  const assignments = valueColumns.map((name) => `${quote(name)} = EXCLUDED.${quote(name)}`);
  if (table.touchedAt) assignments.push(`${quote(table.touchedAt)} = now()`);
  return `
    WITH written AS (
      INSERT INTO ${quote(target)} AS t (${names.map(quote).join(', ')})
      SELECT ${names.map((name) => `s.${quote(name)}`).join(', ')} FROM ${from}
      ORDER BY ${table.key.map((name) => `s.${quote(name)}`).join(', ')}
      ON CONFLICT (${table.key.map(quote).join(', ')}) DO UPDATE SET ${assignments.join(', ')}
      WHERE (${valueColumns.map((n) => `t.${quote(n)}`).join(', ')}) IS DISTINCT FROM (${valueColumns.map((n) => `EXCLUDED.${quote(n)}`).join(', ')})
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM written`;
}

/** Upserts the rows of `from` (as for changedRows) that are not stored with the same values, into `target` (see upsertStatement). */
export function upsertChangedRows(table: TableSpec, from: string, target: string = table.name): string {
  return upsertStatement(table, `(${changedRows(table, from)}) AS s`, target);
}

/** `unnest($1::text[], …)` as `s`, with every column cast from text to its type. */
export function unnestSource(table: TableSpec): string {
  const names = table.columns.map((c) => quote(c.name));
  const arrays = table.columns.map((_, i) => `$${i + 1}::text[]`);
  const casts = table.columns.map((c) => `${quote(c.name)}::${c.type} AS ${quote(c.name)}`);
  return `(SELECT ${casts.join(', ')} FROM unnest(${arrays.join(', ')}) AS u(${names.join(', ')})) AS s`;
}
