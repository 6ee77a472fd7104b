/**
 * After an ingest, the tables it changed a lot are analyzed at once. Autovacuum would get
 * there, but only after its nap — and until then the planner plans the next batches and
 * queries with the row counts from before the load, and plans made from stale statistics
 * can be far off (db/table-statistics.ts). Judged by what the ingest itself wrote against the planner's
 * row estimate (pg_class.reltuples).
 *
 * A backend reports its row counts to the cumulative statistics at most once a second
 * while busy, and the rest when it goes idle or exits. An ANALYZE run while the writers'
 * last counts are still pending is followed by those counts: `n_mod_since_analyze` then
 * shows rows changed "since" an ANALYZE that already saw them. So the writers' pool is
 * closed first, and the ANALYZE waits (briefly) until their backends have exited — a
 * backend flushes its statistics before it leaves pg_stat_activity.
 *
 * The rows are committed before this starts, so it is a courtesy, never a reason to fail
 * the ingest: a broken connection is retried briefly (a new connection each time), and
 * what still fails comes back in `failed` for a warning — autovacuum analyzes it later.
 */
import type pg from 'pg';
import { classifyError, policyFor } from '../db/error-policy.js';
import { withClient } from '../db/pool.js';
import { retryTransient } from '../db/retry.js';
import { type AnalyzeResult, analyzeTables, isStale, STALENESS_RULE } from '../db/table-statistics.js';
import type { RetryLimits } from '../retry-limits.js';
import { PARTITION_CHANGES, PLANNER_ROWS, WRITERS_RUNNING } from './sql/refresh-statistics.js';

// Behind a transaction pooler the server connections outlive ours: never wait long.
const WRITER_EXIT_WAIT_MS = 3_000;
const POLL_MS = 25;

// A few quick attempts: the ingest's result is waiting on this, and nothing is lost without it.
const REFRESH_RETRY_LIMITS: RetryLimits = Object.freeze({ retries: 4, minDelayMs: 100, maxDelayMs: 1_000, maxRetryTimeMs: 5_000 });

/**
 * `changedRows`: rows inserted or updated per table (optdb's own table names).
 * `writerPids`: the server processes that wrote them, already disconnected.
 */
export async function refreshStatistics(
  url: string,
  changedRows: Readonly<Record<string, number>>,
  writerPids: readonly number[],
  limits: RetryLimits = REFRESH_RETRY_LIMITS,
): Promise<AnalyzeResult> {
  const candidates = Object.keys(changedRows).filter((table) => changedRows[table]! >= STALENESS_RULE.minChangedRows);
  if (candidates.length === 0) return { analyzed: [], failed: [] };
  const analyzed = new Set<string>();
  try {
    // Tables analyzed by an attempt that then broke are not analyzed again.
    const result = await retryTransient(async () => {
      const attempt = await refreshOnce(
        url,
        changedRows,
        candidates.filter((table) => !analyzed.has(table)),
        writerPids,
      );
      for (const table of attempt.analyzed) analyzed.add(table);
      const broken = attempt.failed.find((failure) => policyFor(failure.code)?.action === 'retry');
      if (broken) throw Object.assign(new Error(`ANALYZE ${broken.table}: ${broken.meaning}`), { code: broken.code });
      return attempt;
    }, limits);
    return { analyzed: [...analyzed], failed: result.failed };
  } catch (error) {
    const { code, policy } = classifyError(error);
    return {
      analyzed: [...analyzed],
      failed: candidates.filter((table) => !analyzed.has(table)).map((table) => ({ table, code, meaning: policy.meaning })),
    };
  }
}

function refreshOnce(
  url: string,
  changedRows: Readonly<Record<string, number>>,
  candidates: readonly string[],
  writerPids: readonly number[],
): Promise<AnalyzeResult> {
  return withClient(url, async (client) => {
    await writersGone(client, writerPids);
    const { rows } = await client.query<{ table: string; rows: number }>(PLANNER_ROWS, [candidates]);
    // rows is -1 for a table never analyzed.
    const stale = rows.filter((row) => isStale(changedRows[row.table]!, Math.max(row.rows, 0), row.rows >= 0)).map((row) => row.table);
    const result = await analyzeTables(client, stale);
    // A partitioned table's partitions, each by its own changes; the table counts as analyzed when one of them was.
    const partitions = (
      await client.query<{ table: string; partition: string; rows: number; changed: number }>(PARTITION_CHANGES, [candidates])
    ).rows;
    const stalePartitions = partitions.filter((p) => isStale(p.changed, Math.max(p.rows, 0), p.rows >= 0));
    const analyzedPartitions = await analyzeTables(
      client,
      stalePartitions.map((p) => p.partition),
    );
    const tableOf = new Map(partitions.map((p) => [p.partition, p.table]));
    const analyzedTables = new Set(analyzedPartitions.analyzed.map((partition) => tableOf.get(partition)!));
    return { analyzed: [...result.analyzed, ...analyzedTables], failed: [...result.failed, ...analyzedPartitions.failed] };
  });
}

async function writersGone(client: pg.Client, pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + WRITER_EXIT_WAIT_MS;
  while (pids.length > 0 && Date.now() < deadline) {
    const { rows } = await client.query<{ running: number }>(WRITERS_RUNNING, [pids]);
    if (rows[0]!.running === 0) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
