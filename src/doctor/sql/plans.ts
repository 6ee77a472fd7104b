/**
 * The statements the plans check explains: optdb's own, built by the same functions the
 * writers and the demo use, so that a change to a writer is explained as it now is.
 *
 * Writes are explained with arrays of a default batch's length (the planner sizes the
 * unnest from them); the copy path's statements run after the staging tables are created
 * as `copy-merge.ts` creates them — empty and never analyzed, as they are when the real
 * merge is planned.
 */
import { NEAREST_CHAIN, TOP_VOLUME } from '../../db/sql/read-queries.js';
import { RECORD_BATCH } from '../../write/sql/ledger.js';
import { DEFAULT_BATCH_LIMITS } from '../../write/batch.js';
import {
  CONTRACT_COLUMNS,
  CONTRACTS_FROM_PARAMETERS,
  CONTRACTS_TO_WRITE,
  enrichKnownContracts,
  insertNewContracts,
} from '../../write/sql/contracts.js';
import {
  CHANGED_ROWS_SOURCE,
  CONTRACTS_MISSING_FOR_CHANGED_ROWS,
  createChangedRows,
  CREATE_STAGED_CONTRACTS,
  createStagedRows,
  STAGED_CONTRACTS_SOURCE,
  STAGED_ROWS_SOURCE,
} from '../../write/sql/staging.js';
import { DAY_AGGS, SNAPSHOTS } from '../../write/tables.js';
import { changedRows, unnestSource, upsertChangedRows, upsertStatement } from '../../write/sql/upsert.js';

export interface ReadSample {
  /** An underlying that is in the data (or a stand-in on an empty database). */
  readonly underlying: string;
  /** The latest snapshot day, YYYY-MM-DD. */
  readonly day: string;
}

export interface ExplainedStatement {
  readonly name: string;
  readonly kind: 'write' | 'read';
  /** Run first, in the same (rolled back) transaction. */
  readonly setup: readonly string[];
  readonly sql: string;
  parameters(sample: ReadSample): unknown[];
}

/**
 * The values the read statements are planned for, taken from the planner's own statistics
 * (pg_stats) rather than the tables: the values the estimates know, and no lock on a table
 * a transaction may hold (doctor must not wait on what it diagnoses). The most common
 * underlying, and the day of the latest capture time ANALYZE saw; stand-ins before the
 * first ANALYZE.
 */
export const READ_SAMPLE = `
  SELECT coalesce(
           (SELECT coalesce((most_common_vals::text::text[])[1], (histogram_bounds::text::text[])[1])
            FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'options' AND attname = 'underlying_ticker'),
           'SPY') AS underlying,
         coalesce(
           (SELECT max(captured_at)
            FROM pg_stats s,
                 unnest(coalesce(s.most_common_vals::text::timestamptz[], '{}') || coalesce(s.histogram_bounds::text::timestamptz[], '{}')) AS captured_at
            WHERE s.schemaname = current_schema() AND s.tablename = 'option_snapshots' AND s.attname = 'captured_at'),
           now())::date::text AS day`;

const BATCH_ROWS = DEFAULT_BATCH_LIMITS.maxRows;
const nullArrays = (count: number) => () => Array.from({ length: count }, () => new Array<null>(BATCH_ROWS).fill(null));

const write = (name: string, sql: string, parameters: () => unknown[], setup: readonly string[] = []): ExplainedStatement => ({
  name,
  kind: 'write',
  setup,
  sql,
  parameters,
});

export const EXPLAINED_STATEMENTS: readonly ExplainedStatement[] = [
  write('contracts insert (unnest)', insertNewContracts(CONTRACTS_FROM_PARAMETERS), nullArrays(CONTRACT_COLUMNS.length)),
  write('contracts enrich (unnest)', enrichKnownContracts(CONTRACTS_FROM_PARAMETERS), nullArrays(CONTRACT_COLUMNS.length)),
  write('snapshots upsert (unnest)', upsertChangedRows(SNAPSHOTS, unnestSource(SNAPSHOTS)), nullArrays(SNAPSHOTS.columns.length)),
  write('day-aggs upsert (unnest)', upsertChangedRows(DAY_AGGS, unnestSource(DAY_AGGS)), nullArrays(DAY_AGGS.columns.length)),
  write('contracts to write (copy)', CONTRACTS_TO_WRITE, nullArrays(5)),
  write('contracts insert (copy)', insertNewContracts(STAGED_CONTRACTS_SOURCE), () => [], [CREATE_STAGED_CONTRACTS]),
  write('contracts enrich (copy)', enrichKnownContracts(STAGED_CONTRACTS_SOURCE), () => [], [CREATE_STAGED_CONTRACTS]),
  ...[SNAPSHOTS, DAY_AGGS].flatMap((table) => {
    const name = table === SNAPSHOTS ? 'snapshots' : 'day-aggs';
    return [
      write(`${name} changed rows (copy)`, changedRows(table, STAGED_ROWS_SOURCE), () => [], [createStagedRows(table)]),
      write(`${name} merge (copy)`, upsertStatement(table, CHANGED_ROWS_SOURCE), () => [], [
        createStagedRows(table),
        createChangedRows(table),
      ]),
    ];
  }),
  write('contracts missing (copy)', CONTRACTS_MISSING_FOR_CHANGED_ROWS, () => [], [
    createStagedRows(DAY_AGGS),
    createChangedRows(DAY_AGGS),
  ]),
  write('import ledger insert', RECORD_BATCH, () => ['optdb doctor', 1, BATCH_ROWS, BATCH_ROWS]),
  { name: 'demo nearest chain', kind: 'read', setup: [], sql: NEAREST_CHAIN, parameters: (s) => [s.underlying, s.day] },
  { name: 'demo top volume', kind: 'read', setup: [], sql: TOP_VOLUME, parameters: (s) => [s.day] },
];

/**
 * Rows per relation the plan scans sequentially: the larger of the planner's estimate
 * (reltuples, -1 when never analyzed) and the statistics collector's live rows.
 */
export const RELATION_ROWS = `
  SELECT name AS relation, greatest(c.reltuples, coalesce(s.n_live_tup, 0), 0)::float8 AS rows
  FROM unnest($1::text[]) AS name
  JOIN pg_class c ON c.oid = to_regclass(quote_ident(name))
  LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid`;

/** 4 is the default, costed for spinning disks; SSDs make index lookups far cheaper than that. */
export const RANDOM_PAGE_COST = `SELECT current_setting('random_page_cost')::float8 AS random_page_cost`;

/** $1: optdb's table names; those that do not exist (an unmigrated database). */
export const MISSING_TABLES = `SELECT name AS table FROM unnest($1::text[]) AS name WHERE to_regclass(quote_ident(name)) IS NULL`;

/** The plan of `sql` as JSON, without running it. */
export function explainJson(sql: string): string {
  return `EXPLAIN (FORMAT JSON) ${sql}`;
}
