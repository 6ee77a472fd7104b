/**
 * The statements that refresh a table's planner statistics (table-statistics.ts runs
 * them): ANALYZE, under lock and statement timeouts set for its transaction only.
 */
import pg from 'pg';

/** SET LOCAL with the value as a parameter ($1 the setting, $2 its value): it ends with the transaction. */
export const SET_LOCAL = `SELECT set_config($1, $2, true)`;

/** ANALYZE of one table. A table name cannot be a parameter: `table` comes from optdb's own list, never from input. */
export function analyzeTable(table: string): string {
  return `ANALYZE ${pg.escapeIdentifier(table)}`;
}
