/**
 * Reads a plan from `EXPLAIN (FORMAT JSON)`: which tables are read whole (Seq Scan) and
 * how many of their rows the plan goes on to use, which indexes are used, and where the plan runs a correlated subquery per row (a
 * SubPlan) — the nested shape behind `XX000 variable not found in subplan target list`.
 * InitPlans (run once, e.g. a CTE) are not SubPlans and are not reported.
 */
export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly 'Parent Relationship'?: string;
  readonly 'Subplan Name'?: string;
  readonly 'Plan Rows'?: number;
  readonly 'Total Cost'?: number;
  readonly Filter?: string;
  readonly 'Parallel Aware'?: boolean;
  readonly 'Workers Planned'?: number;
  readonly Plans?: readonly PlanNode[];
}

/** What EXPLAIN (FORMAT JSON) returns: one element with the root under "Plan". */
export type ExplainJson = readonly { readonly Plan: PlanNode }[];

export interface SeqScan {
  readonly relation: string;
  /** Rows the plan keeps from the table: after the scan's filter, or out of the join it feeds. */
  readonly keptRows: number;
  /** Whether the scan filters rows itself (an index on the filter's columns could find them). */
  readonly filtered: boolean;
}

export interface PlanShape {
  readonly totalCost: number;
  /** Tables read by a (possibly parallel) Seq Scan, in plan order. */
  readonly seqScans: readonly SeqScan[];
  /** Indexes read by Index, Index Only or Bitmap Index Scans, once each. */
  readonly indexes: readonly string[];
  /** Correlated subqueries; depth 2 or more is a SubPlan inside a SubPlan. */
  readonly subPlans: readonly { readonly name: string; readonly depth: number }[];
}

const JOINS = new Set(['Hash Join', 'Merge Join', 'Nested Loop']);

/** What a node inherits from above it. */
interface Context {
  readonly subPlanDepth: number;
  /** The estimated output of the nearest join above: how much of a table read whole is used. */
  readonly joinRows: number | undefined;
  /** Under a Gather, parallel-aware nodes estimate rows per process: this many processes at most. */
  readonly processes: number;
}

export function planShape(explain: ExplainJson): PlanShape {
  const root = explain[0]?.Plan;
  if (!root) throw new Error('EXPLAIN returned no plan');
  const seqScans: SeqScan[] = [];
  const indexes = new Set<string>();
  const subPlans: { name: string; depth: number }[] = [];
  const visit = (node: PlanNode, above: Context) => {
    const relationship = node['Parent Relationship'];
    const subPlanDepth = relationship === 'SubPlan' ? above.subPlanDepth + 1 : above.subPlanDepth;
    if (relationship === 'SubPlan') subPlans.push({ name: node['Subplan Name'] ?? 'SubPlan', depth: subPlanDepth });
    // An InitPlan or SubPlan is a query of its own, not part of the join around it.
    const joinRows = relationship === 'SubPlan' || relationship === 'InitPlan' ? undefined : above.joinRows;
    const rows = (node['Plan Rows'] ?? 0) * (node['Parallel Aware'] ? above.processes : 1);
    if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) {
      seqScans.push({ relation: node['Relation Name'], keptRows: Math.min(rows, joinRows ?? rows), filtered: node.Filter !== undefined });
    }
    if (node['Index Name']) indexes.add(node['Index Name']);
    const processes = node['Workers Planned'] !== undefined ? node['Workers Planned'] + 1 : above.processes;
    const below: Context = { subPlanDepth, joinRows: JOINS.has(node['Node Type']) ? rows : joinRows, processes };
    for (const child of node.Plans ?? []) visit(child, below);
  };
  visit(root, { subPlanDepth: 0, joinRows: undefined, processes: 1 });
  return { totalCost: root['Total Cost'] ?? 0, seqScans, indexes: [...indexes], subPlans };
}
