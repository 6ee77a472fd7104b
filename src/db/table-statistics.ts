/**
 * When a table's planner statistics are stale, and refreshing them safely — the rule and
 * the mechanism both the ingest and the doctor use. A plan made from stale row counts can
 * be far off, and stale statistics are among the known triggers of the planner's internal
 * error XX000 ("variable not found in subplan target list"); ANALYZE is the first remedy
 * for both. The ingest analyzes what it changed a lot (ingest/refresh-statistics.ts); the
 * doctor's statistics check finds stale tables and, with `--fix`, analyzes them
 * (doctor/statistics.ts).
 */
import type pg from 'pg';
import { classifyError } from './error-policy.js';
import { analyzeTable, SET_LOCAL } from './sql/table-statistics.js';
import { inTransaction } from './transaction.js';

export interface StalenessRule {
  /** Rows changed since the last ANALYZE, as a share of the table's rows, above which it is stale. */
  readonly staleShare: number;
  /** Fewer changed rows than this never make a table stale. */
  readonly minChangedRows: number;
}

// Autovacuum analyzes a table once 50 rows + 10 % of it have changed (its default
// analyze threshold and scale factor); past 20 % it has missed that point at least once
// (disabled for the table, workers busy elsewhere, a bulk load between its naps).
// PostgreSQL health tools (PgHero, check_postgres) read n_mod_since_analyze the same way.
// Under 1,000 changed rows estimates move too little to change a plan.
export const STALENESS_RULE: StalenessRule = Object.freeze({ staleShare: 0.2, minChangedRows: 1_000 });

/** Stale: enough rows changed, and the table was never analyzed or changed by more than the share. */
export function isStale(changedRows: number, tableRows: number, everAnalyzed: boolean, rule: StalenessRule = STALENESS_RULE): boolean {
  if (changedRows < rule.minChangedRows) return false;
  return !everAnalyzed || changedRows > rule.staleShare * tableRows;
}

export interface AnalyzeTimeouts {
  /** How long ANALYZE may wait for its lock (SHARE UPDATE EXCLUSIVE: DDL, VACUUM, another ANALYZE). */
  readonly lockTimeoutMs: number;
  /** How long one ANALYZE may run. */
  readonly statementTimeoutMs: number;
}

export const ANALYZE_TIMEOUTS: AnalyzeTimeouts = Object.freeze({ lockTimeoutMs: 5_000, statementTimeoutMs: 120_000 });

export interface AnalyzeResult {
  readonly analyzed: string[];
  readonly failed: { table: string; code: string; meaning: string }[];
}

/** The fields of a server NOTICE/WARNING that matter here (pg's NoticeMessage). */
interface ServerNotice {
  readonly severity?: string | undefined;
  readonly code?: string | undefined;
  readonly message: string | undefined;
}

/**
 * ANALYZE each table in its own transaction with SET LOCAL lock and statement timeouts:
 * it never queues behind a writer for long, a timeout on one table keeps the others'
 * statistics, and SET LOCAL holds through a transaction pooler. `tables` must come from
 * optdb's own list, never from input: names cannot be parameters.
 */
export async function analyzeTables(
  client: pg.ClientBase,
  tables: readonly string[],
  timeouts: AnalyzeTimeouts = ANALYZE_TIMEOUTS,
): Promise<AnalyzeResult> {
  const result: AnalyzeResult = { analyzed: [], failed: [] };
  // ANALYZE by a role that may not maintain the table (not its owner; MAINTAIN from
  // PostgreSQL 17) succeeds with a WARNING and analyzes nothing.
  const warnings: ServerNotice[] = [];
  const onNotice = (notice: ServerNotice) => {
    if (notice.severity === 'WARNING') warnings.push(notice);
  };
  client.on('notice', onNotice);
  try {
    for (const table of tables) {
      warnings.length = 0;
      try {
        await inTransaction(client, async () => {
          await client.query(SET_LOCAL, ['lock_timeout', `${timeouts.lockTimeoutMs}ms`]);
          await client.query(SET_LOCAL, ['statement_timeout', `${timeouts.statementTimeoutMs}ms`]);
          await client.query(analyzeTable(table));
        });
        const warning = warnings[0];
        if (warning) result.failed.push({ table, code: warning.code ?? '01000', meaning: warning.message ?? 'skipped with a warning' });
        else result.analyzed.push(table);
      } catch (error) {
        const { code, policy } = classifyError(error);
        result.failed.push({ table, code, meaning: policy.meaning });
      }
    }
  } finally {
    client.off('notice', onNotice);
  }
  return result;
}
