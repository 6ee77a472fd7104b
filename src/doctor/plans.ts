/**
 * Query structure, on the current data: how the server
 * plans optdb's own write and read statements. A large table read whole to use a small
 * part of it means an index is missing or not trusted; a SubPlan (a correlated subquery
 * run per row) is the shape behind the planner's XX000 "variable not found in subplan
 * target list".
 *
 * Plain EXPLAIN, not EXPLAIN ANALYZE: the plan's shape is what is judged, and running the
 * writes — even in a transaction rolled back afterwards — would take row locks a running
 * ingest may be waiting for, write WAL and leave dead rows. Every EXPLAIN still runs in a
 * transaction that is rolled back, because the copy path's staging tables are created for
 * it. Planning takes the statement's table locks (AccessShareLock for a read,
 * RowExclusiveLock for a write), so an EXPLAIN can wait behind DDL or LOCK TABLE: it
 * gives up at doctor's lock_timeout (bounded-pool.ts), and the statements after it are not
 * explained — they would only wait for the same lock — and the results name its holder.
 */
import type pg from 'pg';
import { classifyError } from '../db/error-policy.js';
import { withPooledClient } from '../db/pool.js';
import type { CheckFamily, CheckResult } from './check.js';
import { type LockWait, lockWaitOf, lockWaitResult } from './lock-wait.js';
import { OPTDB_TABLES } from './optdb-tables.js';
import { type ExplainJson, planShape, type PlanShape } from './plan-walker.js';
import {
  EXPLAINED_STATEMENTS,
  type ExplainedStatement,
  explainJson,
  MISSING_TABLES,
  RANDOM_PAGE_COST,
  READ_SAMPLE,
  type ReadSample,
  RELATION_ROWS,
} from './sql/plans.js';

/** Tables smaller than this are fine to read whole (and on an empty database, all are). */
export const LARGE_TABLE_ROWS = 100_000;
/**
 * A large table read whole for less than this share of its rows is a finding: an index
 * would find them for less. Reading most of it (a join with a whole day of snapshots) is
 * what a sequential scan is for.
 */
const KEPT_SHARE = 0.1;

interface WholeRead {
  readonly table: string;
  readonly tableRows: number;
  readonly keptRows: number;
  readonly filtered: boolean;
}

interface Explained {
  readonly name: string;
  readonly shape?: PlanShape;
  readonly wholeReads?: readonly WholeRead[];
  readonly error?: ReturnType<typeof classifyError>;
  /** The error was the end of a wait for a lock. */
  readonly lockWait?: LockWait;
}

export const plans: CheckFamily = {
  name: 'plans',
  async run({ pool }) {
    return withPooledClient(pool, async (client) => {
      const missing = (await client.query<{ table: string }>(MISSING_TABLES, [OPTDB_TABLES])).rows.map((row) => row.table);
      if (missing.length > 0) return notExplained(missing);
      const sample = await readSample(client);
      const randomPageCost = (await client.query<{ random_page_cost: number }>(RANDOM_PAGE_COST)).rows[0]!.random_page_cost;
      const explained: Explained[] = [];
      for (const statement of EXPLAINED_STATEMENTS) {
        const result = await explainOne(client, statement, sample);
        explained.push(result);
        if (result.lockWait) return lockedOut(result);
      }
      const of = (kind: ExplainedStatement['kind']) => explained.filter((_, i) => EXPLAINED_STATEMENTS[i]!.kind === kind);
      return [resultFor('write', of('write'), randomPageCost), resultFor('read', of('read'), randomPageCost, sample)];
    });
  },
};

/** Without optdb's tables every statement fails to plan: one finding, not one per statement. */
function notExplained(missing: readonly string[]): CheckResult[] {
  return (['write', 'read'] as const).map((kind) => ({
    id: `plans.${kind}-statements`,
    status: 'warn',
    summary: `not explained: optdb's tables ${missing.join(', ')} do not exist (see migrations.applied)`,
    remedy: 'run `optdb migrate`, then rerun `optdb doctor`',
  }));
}

/** One finding per statement kind: the plans were not judged, and who holds the lock. */
function lockedOut(blocked: Explained): CheckResult[] {
  const blockedKind = EXPLAINED_STATEMENTS.find((statement) => statement.name === blocked.name)?.kind;
  return (['write', 'read'] as const).map((kind) => {
    const what = `not explained: the EXPLAIN of ${blocked.name}${kind === blockedKind ? '' : `, before the ${kind} statements,`}`;
    const result = lockWaitResult(`plans.${kind}-statements`, blocked.lockWait!, { what });
    return { ...result, details: { ...result.details, statement: blocked.name } };
  });
}

async function readSample(client: pg.PoolClient): Promise<ReadSample> {
  return (await client.query<ReadSample>(READ_SAMPLE)).rows[0]!;
}

async function explainOne(client: pg.PoolClient, statement: ExplainedStatement, sample: ReadSample): Promise<Explained> {
  await client.query('BEGIN');
  try {
    for (const sql of statement.setup) await client.query(sql);
    const { rows } = await client.query<{ 'QUERY PLAN': ExplainJson }>(explainJson(statement.sql), statement.parameters(sample));
    const shape = planShape(rows[0]!['QUERY PLAN']);
    // Sizes are looked up in the same transaction, where the staging tables exist.
    const sizes = (await client.query<{ relation: string; rows: number }>(RELATION_ROWS, [shape.seqScans.map((scan) => scan.relation)]))
      .rows;
    const tableRows = new Map(sizes.map((size) => [size.relation, size.rows]));
    const wholeReads = shape.seqScans
      .map((scan) => ({
        table: scan.relation,
        tableRows: tableRows.get(scan.relation) ?? 0,
        keptRows: scan.keptRows,
        filtered: scan.filtered,
      }))
      .filter((read) => read.tableRows > LARGE_TABLE_ROWS && read.keptRows < read.tableRows * KEPT_SHARE);
    await client.query('ROLLBACK');
    return { name: statement.name, shape, wholeReads };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const lockWait = await lockWaitOf(error, client);
    return { name: statement.name, error: classifyError(error), ...(lockWait ? { lockWait } : {}) };
  }
}

function resultFor(kind: 'write' | 'read', explained: readonly Explained[], randomPageCost: number, sample?: ReadSample): CheckResult {
  const id = `plans.${kind}-statements`;
  const details = {
    ...(sample ? { sample } : {}),
    largeTableRows: LARGE_TABLE_ROWS,
    keptShare: KEPT_SHARE,
    randomPageCost,
    statements: explained.map((e) =>
      e.error ? { name: e.name, error: e.error.code, message: e.error.message } : { name: e.name, ...e.shape, wholeReads: e.wholeReads },
    ),
  };
  const failed = explained.filter((e) => e.error);
  if (failed.length > 0) {
    // A planner error (XX000) on optdb's own statement: the failure the simple statements
    // are meant to avoid, happening on this server.
    const planner = failed.some((e) => e.error!.policy.category === 'planner');
    return {
      id,
      status: planner ? 'fail' : 'warn',
      summary: `could not explain ${failed.map((e) => `${e.name} (${e.error!.code} ${e.error!.message})`).join('; ')}`,
      remedy: [...new Set(failed.map((e) => e.error!.policy.remedy))].join('; '),
      details,
    };
  }
  const reads = explained.flatMap((e) => e.wholeReads!.map((read) => ({ statement: e.name, ...read })));
  const subPlans = explained.flatMap((e) => e.shape!.subPlans.map((p) => ({ statement: e.name, ...p })));
  if (reads.length > 0 || subPlans.length > 0) {
    const findings = [
      ...reads.map(
        (r) =>
          `${r.statement}: reads all ${Math.round(r.tableRows)} rows of ${r.table} (sequential scan${r.filtered ? ' with a filter' : ' for a join'}) to use about ${Math.round(r.keptRows)}`,
      ),
      ...subPlans.map((p) => `${p.statement}: ${p.name}${p.depth > 1 ? ` nested ${p.depth} deep` : ''}, a correlated subquery run per row`),
    ];
    const filtered = [...new Set(reads.filter((r) => r.filtered).map((r) => r.table))];
    const joined = [...new Set(reads.filter((r) => !r.filtered).map((r) => r.table))];
    const remedies = [
      filtered.length > 0
        ? `no index serves the filter on ${filtered.join(', ')}: check maintenance.indexes and schema drift (optdb migrate), then ANALYZE ${filtered.join(', ')}`
        : '',
      joined.length > 0
        ? `the planner prefers reading all of ${joined.join(', ')} to index lookups: ANALYZE ${joined.join(', ')}; on SSD storage lower random_page_cost (now ${randomPageCost}) to 1.1`
        : '',
      subPlans.length > 0
        ? 'a SubPlan is the plan shape behind XX000 "variable not found in subplan target list": rewrite the subquery as a join, ANALYZE, and keep PostgreSQL on its latest minor release'
        : '',
    ].filter(Boolean);
    return { id, status: 'warn', summary: findings.join('; '), remedy: remedies.join('; '), details };
  }
  const used = [...new Set(explained.flatMap((e) => e.shape!.indexes))];
  return {
    id,
    status: 'pass',
    summary: `${explained.length} ${kind} statements explained: no large table read whole for a small part of it, no SubPlan${used.length > 0 ? `; indexes used: ${used.join(', ')}` : ''}`,
    details,
  };
}
