/**
 * The doctor's check of stale statistics: are the planner's statistics on optdb's tables
 * current? Stale statistics lead to bad plans, and ANALYZE is the first thing to run
 * (db/table-statistics.ts), so `--fix` runs it — one table per transaction with lock and
 * statement timeouts (SET LOCAL, which also holds through a transaction pooler), so doctor
 * never queues behind a lock for long, and a timeout on one table does not roll back the
 * statistics of the others.
 */
import type pg from 'pg';
import {
  ANALYZE_TIMEOUTS,
  type AnalyzeTimeouts,
  analyzeTables,
  isStale,
  STALENESS_RULE,
  type StalenessRule,
} from '../db/table-statistics.js';
import { withPooledClient } from '../db/pool.js';
import type { CheckFamily, CheckResult } from './check.js';
import { OPTDB_TABLES } from './optdb-tables.js';
import { TABLE_STATISTICS } from './sql/statistics.js';

/** When a table counts as stale, and how long `--fix` may wait for and run ANALYZE. */
export type StatisticsSettings = StalenessRule & AnalyzeTimeouts;

// The rule and the timeouts `optdb ingest` uses too (db/table-statistics.ts). The age of
// the last ANALYZE is reported, not judged: the statistics of a table that has not
// changed do not go stale.
export const STATISTICS_SETTINGS: StatisticsSettings = Object.freeze({ ...STALENESS_RULE, ...ANALYZE_TIMEOUTS });

interface TableStatistics {
  table: string;
  live_rows: number;
  changed_rows: number;
  last_analyzed: Date | null;
}

/** The family with other thresholds and timeouts (tests shorten the lock timeout). */
export function statisticsFamily(settings: StatisticsSettings): CheckFamily {
  return {
    name: 'statistics',
    async run({ pool, fix }) {
      return withPooledClient(pool, async (client) => {
        const tables = (await client.query<TableStatistics>(TABLE_STATISTICS, [OPTDB_TABLES])).rows;
        if (tables.length === 0) {
          return [
            {
              id: 'statistics.freshness',
              status: 'warn',
              summary: `none of optdb's tables (${OPTDB_TABLES.join(', ')}) exist in this database's schema`,
              remedy: 'run `optdb migrate` (see migrations.applied)',
            },
          ];
        }
        const staleTables = tables.filter((table) => stale(table, settings));
        if (staleTables.length === 0) return [current(tables, settings)];
        return [fix ? await analyze(client, staleTables, settings) : staleResult(staleTables, tables.length)];
      });
    },
  };
}

export const statistics: CheckFamily = statisticsFamily(STATISTICS_SETTINGS);

function stale(table: TableStatistics, settings: StatisticsSettings): boolean {
  return isStale(table.changed_rows, table.live_rows, table.last_analyzed !== null, settings);
}

function current(tables: readonly TableStatistics[], settings: StatisticsSettings): CheckResult {
  const mostChanged = tables.reduce((most, table) => (table.changed_rows > most.changed_rows ? table : most));
  return {
    id: 'statistics.freshness',
    status: 'pass',
    summary:
      mostChanged.changed_rows === 0
        ? `statistics current on ${tables.length} tables (no row changed since their last ANALYZE)`
        : `statistics current on ${tables.length} tables; most changed since its last ANALYZE: ${numbers(mostChanged)}`,
    details: { staleShare: settings.staleShare, minChangedRows: settings.minChangedRows, tables },
  };
}

function staleResult(stale: readonly TableStatistics[], checked: number): CheckResult {
  const names = stale.map((table) => table.table).join(', ');
  return {
    id: 'statistics.freshness',
    status: 'warn',
    summary: `stale statistics on ${stale.length} of ${checked} tables: ${stale.map(numbers).join('; ')}`,
    remedy: `run \`optdb doctor --fix\`, or ANALYZE ${names}; if it recurs, check that autovacuum is on for these tables`,
    details: { stale: stale.map((table) => table.table), tables: stale },
  };
}

async function analyze(client: pg.PoolClient, stale: readonly TableStatistics[], settings: StatisticsSettings): Promise<CheckResult> {
  // The names come from OPTDB_TABLES (through the catalog query), never from input.
  const { analyzed, failed } = await analyzeTables(
    client,
    stale.map((table) => table.table),
    settings,
  );
  const fixed = `analyzed ${analyzed.join(', ') || 'nothing'} (was: ${stale.map(numbers).join('; ')})`;
  const details = {
    analyzed,
    failed,
    tables: stale,
    lockTimeoutMs: settings.lockTimeoutMs,
    statementTimeoutMs: settings.statementTimeoutMs,
  };
  if (failed.length === 0) return { id: 'statistics.freshness', status: 'pass', summary: fixed, details };
  return {
    id: 'statistics.freshness',
    status: 'warn',
    summary: `ANALYZE did not finish on ${failed.map((f) => `${f.table}: ${f.code} ${f.meaning}`).join('; ')}; ${fixed}`,
    remedy: `rerun \`optdb doctor --fix\` once nothing holds the table (see locks.blocked), or run ANALYZE ${failed.map((f) => f.table).join(', ')} by hand`,
    details,
  };
}

function numbers(table: TableStatistics): string {
  const last = table.last_analyzed ? `last analyzed ${table.last_analyzed.toISOString()}` : 'never analyzed';
  // Changes (inserts, updates, deletes) can outnumber the rows the table holds now.
  return `${table.table} ${count(table.changed_rows)} row changes since ANALYZE (${count(table.live_rows)} rows now), ${last}`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}
