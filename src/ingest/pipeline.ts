/**
 * The ingest pipeline: source records → validation → batches → the write strategy.
 *
 *   source ──► validate ──► Batcher ──► queue (bounded) ──► strategy.write, ≤ concurrency at once
 *                 └──► rejects
 *
 * Parsing continues while batches are written; at most `concurrency` batches are being
 * written and one more waits, so memory stays bounded whatever the input size. Every
 * input row ends in exactly one count: inserted, updated, unchanged, collapsed or rejected.
 */
import { validateDayAggValues } from '../domain/day-agg.js';
import { type SnapshotOptions, type Validated, validateSnapshot } from '../domain/snapshot.js';
import { OptdbError } from '../errors.js';
import { OPTIONS } from '../schema/tables.js';
import { openSource } from '../sources/open-source.js';
import { recordBatches } from '../sources/record-stream.js';
import type { InputFormat, SourceRecord } from '../sources/source-record.js';
import type { OptdbMetrics } from '../metrics/optdb-metrics.js';
import type { RetryLimits } from '../retry-limits.js';
import { type Batch, Batcher, type BatchLimits } from '../write/batch.js';
import type { CommittedRanges, LedgerEntry } from '../write/ledger.js';
import type { RefusedRow } from '../write/resilience.js';
import { addCounts, emptyCounts, type WriteCounts, type WriteStrategy } from '../write/strategy.js';
import { DAY_AGGS, SNAPSHOTS, type TableSpec } from '../write/tables.js';
import type { LimitSteps } from '../write/write-gate.js';
import { type WriteEvent, Writer } from '../write/writer.js';
import { importIdentity, readingIdentity } from './import-identity.js';
import type { RejectSink } from './rejects.js';

export interface MaxRejects {
  readonly count?: number;
  readonly percent?: number;
}

export interface IngestOptions {
  /** Undefined for a dry run: parse and validate only. */
  readonly strategy: WriteStrategy | undefined;
  /** Simpler strategies for batches that keep hitting planner errors (XX000), in order. */
  readonly fallbacks?: readonly WriteStrategy[];
  readonly retry?: RetryLimits;
  /** Reports retries, splits, fallbacks, limit changes, queue pressure and slow writes (for logs). */
  readonly onEvent?: (event: WriteEvent) => void;
  /** Batches written at once: the write gate's limit. */
  readonly concurrency: number;
  /** How limit changes are paced (defaults: GATE_DEFAULTS). */
  readonly limitSteps?: LimitSteps | undefined;
  /** Counts rows, batches, retries and errors, and watches the write gate. */
  readonly metrics?: OptdbMetrics | undefined;
  readonly batchLimits: BatchLimits;
  readonly snapshot: SnapshotOptions;
  /** How snapshot capture times are set, when not as by default: part of a snapshot input's ledger identity. */
  readonly snapshotReading?: string | undefined;
  readonly format?: InputFormat | undefined;
  readonly rejects: RejectSink;
  readonly maxRejects?: MaxRejects | undefined;
  readonly stdin?: NodeJS.ReadableStream;
  /**
   * Exactly-once resume: every batch is recorded with its input's identity, and records
   * already committed by an earlier run are skipped. Undefined for a dry run.
   */
  readonly ledger?: { committedRanges(importId: string): Promise<CommittedRanges>; record(entry: LedgerEntry): Promise<void> } | undefined;
  /** The identity to record a single input under, instead of path + size + hash. */
  readonly importId?: string | undefined;
  readonly onProgress?: (progress: IngestProgress) => void;
  /**
   * Ctrl-C: stop reading (also while waiting for input), write the rows already read,
   * wait for the batches under way, and return a summary marked `interrupted`.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called as the run starts, with a way to read its summary so far (what is committed up
   * to now): for a caller that must report even when it cannot wait for the end.
   */
  readonly onStarted?: ((summarySoFar: () => IngestSummary) => void) | undefined;
}

export interface IngestProgress {
  readonly source: string;
  readonly bytesRead: number;
  readonly totalBytes: number | undefined;
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly elapsedMs: number;
}

export interface IngestSummary extends WriteCounts {
  rowsRead: number;
  /** Rows an earlier run of the same import already committed (skipped). */
  skipped: number;
  collapsed: number;
  rejected: number;
  /** Rows that passed validation (after collapsing): written, or in a dry run would be. */
  valid: number;
  batches: number;
  /** Rows inserted or updated per table (contracts in `options`): what may need a fresh ANALYZE. */
  changedRows: Record<string, number>;
  elapsedMs: number;
  rowsPerSecond: number;
  /** Tables the command analyzed afterwards because this ingest changed them a lot. */
  analyzed?: string[];
  /** The process's peak resident memory so far, in MB. */
  peakRssMb: number;
  /** CPU time the process used so far (user + system), in seconds: what parsing and batching cost. */
  cpuSeconds: number;
  dryRun: boolean;
  /** Stopped by `signal` before the end of the input: what was read is committed, a rerun resumes. */
  interrupted: boolean;
  /** Why the ingest stopped before the end of its input (a reject limit, a write failure); the counts say what it did until then. */
  stopped?: string;
  /** Whether running the same command again skips what this run committed: every input had an identity. */
  resumable: boolean;
}

/**
 * An ingest that stopped before the end of its input (too many rejects, a batch that could
 * not be written): the error, with the summary of what was done until then — committed
 * rows stay committed.
 */
export class IngestStopped extends OptdbError {
  constructor(
    error: OptdbError,
    readonly summary: IngestSummary,
  ) {
    super(error.code, error.message, { remedy: error.remedy, cause: error.cause });
    this.name = 'IngestStopped';
  }
}

const CONTRACTS_TABLE = OPTIONS.name;

/** Percent limits are judged only once this many rows were read, and at the end. */
const MIN_ROWS_FOR_PERCENT = 1_000;
const PROGRESS_EVERY_ROWS = 2_000;

export async function ingest(paths: readonly string[], options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const totals = { ...emptyCounts(), rowsRead: 0, skipped: 0, collapsed: 0, valid: 0, batches: 0 };
  const changedRows: Record<string, number> = {};
  const countChanged = (table: string, rows: number) => {
    if (rows > 0) changedRows[table] = (changedRows[table] ?? 0) + rows;
  };
  const metrics = options.metrics;
  const writer = options.strategy
    ? new Writer({
        strategy: options.strategy,
        fallbacks: options.fallbacks,
        retry: options.retry,
        limit: options.concurrency,
        limitSteps: options.limitSteps,
        // One batch waits while `concurrency` are written: parsing stays just ahead of writing.
        maxQueued: 1,
        stopOnFailure: true,
        metrics,
        onEvent: options.onEvent,
        recordLedger: async (entry) => options.ledger?.record(entry),
      })
    : undefined;
  const refusedToRejects = (refused: RefusedRow) =>
    options.rejects.write({
      source: refused.source ?? '',
      location: refused.location,
      raw: JSON.stringify(refused.row),
      reason: `refused by the database: ${refused.code} ${refused.message}`,
    });
  let writeError: unknown;

  const submit = async (unrecorded: Batch | undefined, source: string, importId: string | undefined): Promise<void> => {
    if (!unrecorded) return;
    const ledger = importId
      ? { importId, firstRecord: unrecorded.firstRecord, lastRecord: unrecorded.lastRecord, rows: unrecorded.rows.length }
      : undefined;
    const batch: Batch = { ...unrecorded, source, ledger };
    totals.collapsed += batch.collapsed;
    totals.valid += batch.rows.length;
    totals.batches++;
    await writer?.submit(batch, {
      onRowRefused: refusedToRejects,
      onWritten: (counts) => {
        addCounts(totals, counts);
        countChanged(batch.table.name, counts.inserted + counts.updated);
        countChanged(CONTRACTS_TABLE, counts.contractsCreated + counts.contractsUpdated);
      },
      onFailed: (error) => void (writeError ??= error),
    });
  };

  /** The input being read, until its loads are finished. */
  let openInput: { readonly importId: string | undefined } | undefined;
  /** Lets the strategy complete what it left pending for an input (day loads): after its batches, whether it ended or stopped. */
  const finishInput = async (importId: string | undefined): Promise<void> => {
    if (!writer || !options.strategy?.finishInput) return;
    await writer.drain();
    if (writeError) return;
    const correction = await options.strategy.finishInput(importId);
    addCounts(totals, correction);
    totals.collapsed += correction.collapsed;
    totals.valid -= correction.collapsed;
  };

  /** Whether a rerun would skip what this run committed: every input so far has an identity. */
  let resumable = true;
  const summary = (stopped?: string): IngestSummary => {
    const elapsedMs = performance.now() - started;
    return {
      ...totals,
      changedRows,
      rejected: options.rejects.count,
      elapsedMs,
      rowsPerSecond: totals.rowsRead / Math.max(elapsedMs / 1000, 1e-3),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuSeconds: cpuSecondsSoFar(),
      dryRun: options.strategy === undefined,
      interrupted: options.signal?.aborted ?? false,
      ...(stopped === undefined ? {} : { stopped }),
      resumable: resumable && options.ledger !== undefined,
    };
  };
  options.onStarted?.(() => summary());

  try {
    for (const path of paths) {
      const source = await openSource(path, { format: options.format, stdin: options.stdin });
      const batcher = new Batcher(tableFor(source.format), options.batchLimits);
      const identity = options.ledger ? (options.importId ?? (await importIdentity(path))) : undefined;
      const importId =
        identity === undefined || batcher.table !== SNAPSHOTS ? identity : readingIdentity(identity, options.snapshotReading);
      openInput = { importId };
      const committed = importId ? await options.ledger!.committedRanges(importId) : undefined;
      if (importId === undefined) resumable = false;
      let recordNumber = 0;
      const progress = () =>
        options.onProgress?.({
          source: source.name,
          bytesRead: source.bytesRead(),
          totalBytes: source.totalBytes,
          rowsRead: totals.rowsRead,
          rowsWritten: totals.inserted + totals.updated + totals.unchanged,
          elapsedMs: performance.now() - started,
        });
      try {
        // Records come a batch at a time (an input chunk's worth): an await per record
        // would cost more than validating it.
        reading: for await (const records of untilAborted(recordBatches(source.records), options.signal)) {
          // Indexed: a for-of that awaits inside allocates an iterator result per record.
          for (let i = 0; i < records.length; i++) {
            const record = records[i]!;
            if (options.signal?.aborted) break reading;
            totals.rowsRead++;
            metrics?.recordRowRead();
            recordNumber++;
            const result = validateRecord(record, options.snapshot);
            if (result.ok && committed?.contains(recordNumber)) {
              // A batch never spans a committed range: ledger ranges stay disjoint.
              const before = batcher.flush();
              if (before) await submit(before, source.name, importId);
              totals.skipped++;
            } else if (result.ok) {
              const full = batcher.add(result.row, result.contract, recordNumber, record.location);
              if (full) await submit(full, source.name, importId);
            } else {
              metrics?.recordRowRejected('validation');
              await options.rejects.write({ source: record.source, location: record.location, raw: record.raw, reason: result.reason });
              checkRejectLimit(totals.rowsRead, options, false);
            }
            if (writeError) break reading;
            if (totals.rowsRead % PROGRESS_EVERY_ROWS === 0) progress();
          }
        }
      } finally {
        // Rows read before a failure (a truncated file, a reject limit) are still written.
        await submit(batcher.flush(), source.name, importId);
        progress();
      }
      await finishInput(importId);
      openInput = undefined;
      if (writeError || options.signal?.aborted) break;
    }
    await writer?.drain();
    if (writeError) throw withCommittedRows(writeError, totals.inserted + totals.updated + totals.unchanged, resumable);
    checkRejectLimit(totals.rowsRead, options, true);
    return summary();
  } catch (error) {
    if (!(error instanceof OptdbError) || error instanceof IngestStopped) throw error;
    // The batches read before the stop are written first: the summary counts them.
    await writer?.drain();
    if (openInput) await finishInput(openInput.importId);
    throw new IngestStopped(error, summary(error.message));
  } finally {
    await writer?.close();
  }

  function checkRejectLimit(rowsRead: number, opts: IngestOptions, atEnd: boolean): void {
    const limit = opts.maxRejects;
    if (!limit) return;
    const rejected = opts.rejects.count;
    if (limit.count !== undefined && rejected > limit.count) {
      throw new OptdbError('TOO_MANY_REJECTS', `${rejected} rows rejected, more than --max-rejects ${limit.count}; stopped.`, {
        remedy: rejectRemedy(opts),
      });
    }
    if (limit.percent !== undefined && (atEnd || rowsRead >= MIN_ROWS_FOR_PERCENT) && (rejected / rowsRead) * 100 > limit.percent) {
      const share = shareAbove((rejected / rowsRead) * 100, limit.percent);
      throw new OptdbError(
        'TOO_MANY_REJECTS',
        `${share}% of rows rejected (${rejected} of ${rowsRead}), more than --max-rejects ${limit.percent}%; stopped.`,
        {
          remedy: rejectRemedy(opts),
        },
      );
    }
  }
}

/** A write failure that stops the ingest, with what was committed before it and how to go on. */
function withCommittedRows(error: unknown, committed: number, resumable: boolean): unknown {
  if (!(error instanceof OptdbError) || committed === 0) return error;
  const next = resumable
    ? 'run the same command again to resume after them'
    : 'an input without an identity (stdin, a pipe) is not resumable: pass --import-id';
  const note = `${committed} rows were committed before this; ${next}.`;
  return new OptdbError(error.code, error.message, { remedy: error.remedy ? `${error.remedy}\n  ${note}` : note, cause: error.cause });
}

/**
 * The records until the signal aborts — at once, even while the source waits for input
 * (stdin from a pipe that stays open). The read left pending is abandoned, not awaited.
 */
async function* untilAborted<T>(records: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (!signal) return yield* records;
  const iterator = records[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await nextUnlessAborted(iterator, signal);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // A consumer that stops early closes the source; after an abort a read may be pending,
    // and return() would wait for it.
    if (signal.aborted) void iterator.return?.()?.catch(() => undefined);
    else await iterator.return?.();
  }
}

/**
 * One read, or done as soon as the signal aborts. The abort listener lives for this read
 * only: racing every read against one promise that outlives them (Promise.race) leaves a
 * reaction on it per read, and each reaction keeps its read's record alive until the end
 * of the run — memory growing with every row.
 */
function nextUnlessAborted<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  if (signal.aborted) return Promise.resolve({ done: true, value: undefined });
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve({ done: true, value: undefined });
    signal.addEventListener('abort', onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A percentage with as many decimals as it takes to show it is above `limit` (5.0 % would not, against 5 %). */
function shareAbove(percent: number, limit: number): string {
  let decimals = 1;
  while (decimals < 6 && Number(percent.toFixed(decimals)) <= limit) decimals++;
  return percent.toFixed(decimals);
}

function cpuSecondsSoFar(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 10_000) / 100;
}

function rejectRemedy(options: IngestOptions): string {
  return options.rejects.path ? `See the reasons in ${options.rejects.path}.` : 'Pass --rejects <file> to see why rows were rejected.';
}

function tableFor(format: InputFormat): TableSpec {
  return format === 'day-aggs-csv' ? DAY_AGGS : SNAPSHOTS;
}

function validateRecord(record: SourceRecord, snapshot: SnapshotOptions): Validated {
  switch (record.kind) {
    case 'unreadable':
      return { ok: false, reason: record.reason };
    case 'json':
      return validateSnapshot(record.value, snapshot);
    case 'csv':
      return validateDayAggValues(record.columns, record.values);
  }
}
