/**
 * What an operator does with option_day_aggs's day partitions, as jobs against the
 * configured database: list them (range, rows, size, and the day loads not yet attached),
 * and drop those past a retention age.
 *
 * A partition is dropped after `DETACH PARTITION … CONCURRENTLY`, which waits for the
 * queries that may still read it instead of blocking everyone on the table: ingests and
 * reads of other days go on. It runs outside a transaction, so it goes through the direct
 * URL (DIRECT_URL). A detach that was interrupted leaves the partition "detach pending";
 * the next drop finishes it (FINALIZE) before dropping.
 */
import pg from 'pg';
import type { Config } from '../config.js';
import { OptdbError } from '../errors.js';
import { type DatabaseHooks, withDatabase } from './database.js';
import { DAY_AGGS_TABLE, LOADING_TABLE_PREFIX, parseDayBound } from './day-partitions.js';
import { withClient } from './pool.js';
import { requireMigratedSchema } from './schema-check.js';

export interface DayPartitionInfo {
  readonly name: string;
  /** First day held (YYYY-MM-DD); undefined for a default partition. */
  readonly from: string | undefined;
  /** The day after the last one held. */
  readonly to: string | undefined;
  /** The planner's estimate (exact after an ANALYZE). */
  readonly rows: number;
  readonly bytes: number;
  /** `attached`, `detach pending` (an interrupted drop), or `loading` (a day load not attached yet). */
  readonly state: 'attached' | 'detach pending' | 'loading';
}

const PARTITIONS = `
  SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, i.inhdetachpending AS detach_pending,
         greatest(c.reltuples, coalesce(s.n_live_tup, 0))::float8 AS rows, pg_total_relation_size(c.oid)::float8 AS bytes
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
  WHERE i.inhparent = to_regclass($1)
  UNION ALL
  SELECT c.relname, NULL, false, greatest(c.reltuples, coalesce(s.n_live_tup, 0))::float8, pg_total_relation_size(c.oid)::float8
  FROM pg_class c
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND starts_with(c.relname, $2)`;

async function readPartitions(client: pg.ClientBase): Promise<DayPartitionInfo[]> {
  const { rows } = await client.query<{ name: string; bound: string | null; detach_pending: boolean; rows: number; bytes: number }>(
    PARTITIONS,
    [DAY_AGGS_TABLE, LOADING_TABLE_PREFIX],
  );
  return rows
    .map((row) => {
      const range = row.bound === null ? undefined : parseDayBound(row.bound);
      const state = row.bound === null ? 'loading' : row.detach_pending ? 'detach pending' : 'attached';
      return { name: row.name, from: range?.from, to: range?.to, rows: Math.max(0, row.rows), bytes: row.bytes, state } as const;
    })
    .sort((a, b) => (a.from ?? '').localeCompare(b.from ?? '') || a.name.localeCompare(b.name));
}

/** option_day_aggs's partitions, oldest first, and the day loads not yet attached. */
export async function listDayPartitions(config: Config, hooks: DatabaseHooks = {}): Promise<DayPartitionInfo[]> {
  return withDatabase(
    config,
    async (database) => {
      await hooks.onDatabase?.(database);
      await requireMigratedSchema(database.directUrl);
      return withClient(database.directUrl, readPartitions);
    },
    hooks,
  );
}

export interface DropOptions {
  /** Partitions whose whole range ends on or before this day (YYYY-MM-DD) are dropped. */
  readonly before: string;
  /** List what would be dropped, drop nothing. */
  readonly dryRun?: boolean | undefined;
  /** Told each partition as it is dropped. */
  readonly onDropped?: ((partition: DayPartitionInfo) => void) | undefined;
}

/** Drops the partitions of days before `before`: detached concurrently, then dropped. Returns them. */
export async function dropDayPartitions(config: Config, options: DropOptions, hooks: DatabaseHooks = {}): Promise<DayPartitionInfo[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.before)) {
    throw new OptdbError('CONFIG_INVALID', `Not a day: ${options.before} (YYYY-MM-DD).`);
  }
  return withDatabase(
    config,
    async (database) => {
      await hooks.onDatabase?.(database);
      await requireMigratedSchema(database.directUrl);
      return withClient(database.directUrl, async (client) => {
        const old = (await readPartitions(client)).filter((p) => p.state !== 'loading' && p.to !== undefined && p.to <= options.before);
        if (options.dryRun) return old;
        const parent = pg.escapeIdentifier(DAY_AGGS_TABLE);
        for (const partition of old) {
          const name = pg.escapeIdentifier(partition.name);
          await client.query(
            `ALTER TABLE ${parent} DETACH PARTITION ${name} ${partition.state === 'detach pending' ? 'FINALIZE' : 'CONCURRENTLY'}`,
          );
          await client.query(`DROP TABLE ${name}`);
          options.onDropped?.(partition);
        }
        return old;
      });
    },
    hooks,
  );
}
