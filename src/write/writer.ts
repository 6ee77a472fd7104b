/**
 * The writer: the one way batches reach the database, shared by the ingest pipeline and
 * the write buffer. It owns the write gate (how many batches are written at once, lowered
 * on overload, changed in gradual steps) and the gate's queue; each batch is written
 * whatever the database answers (resilience.ts), watched for slowness, and counted.
 *
 * Callers see `submit(batch)`, which resolves once the batch is admitted to the queue —
 * with `maxQueued`, only when fewer than that many batches wait, so a producer that
 * awaits it never runs ahead of the database — and `drain()` and `close()`. What a
 * batch's result means for their own callers (counts, rejects, waiting rows) stays with
 * them: they hear of it through the batch's handlers.
 */
import { classifyError } from '../db/error-policy.js';
import { DEFAULT_RETRY_LIMITS, type RetryLimits } from '../retry-limits.js';
import type { Batch } from './batch.js';
import type { LedgerEntry } from './ledger.js';
import { type RefusedRow, type ResilienceEvent, type ResilientCounts, writeResiliently } from './resilience.js';
import { type SlowWriteEvent, SlowWrites } from './slow-writes.js';
import type { WriteStrategy } from './strategy.js';
import { type GateEvent, type LimitSteps, WriteGate } from './write-gate.js';
import type { WriteMetrics } from './write-metrics.js';

/** Everything a writer reports for logs: retries, splits, fallbacks, limit changes, queue pressure, slow writes. */
export type WriteEvent = ResilienceEvent | GateEvent | SlowWriteEvent;

// Long enough that a big batch retried through a brief fault does not trigger it, short
// enough that a user watching a silent ingest learns why within a minute.
const SLOW_WRITE_MS = 30_000;

export interface WriterOptions {
  readonly strategy: WriteStrategy;
  /** Simpler strategies for batches that keep hitting planner errors (XX000), in order. */
  readonly fallbacks?: readonly WriteStrategy[] | undefined;
  /** Default: DEFAULT_RETRY_LIMITS, as for OPTDB_RETRY_ATTEMPTS and OPTDB_RETRY_MAX_TIME_MS. */
  readonly retry?: RetryLimits | undefined;
  /** Batches written at once: the gate's starting limit, and the most it raises it to on its own. */
  readonly limit: number;
  /** How changes of that limit are paced (defaults: GATE_DEFAULTS). */
  readonly limitSteps?: LimitSteps | undefined;
  /**
   * `submit` waits while this many batches wait for a slot. Default: no bound, for a
   * caller that bounds what it holds itself (the write buffer bounds its rows).
   */
  readonly maxQueued?: number | undefined;
  /**
   * A batch that cannot be written stops the writer: the batches still waiting are not
   * written, nor those submitted later; each hears of the failure that stopped it. An
   * ingest stops at its first failed batch; a poll's buffer goes on with the next.
   */
  readonly stopOnFailure?: boolean | undefined;
  /** Counts rows, batches, retries and errors, and watches the gate (OptdbMetrics). */
  readonly metrics?: WriteMetrics | undefined;
  /** Retries, splits, fallbacks, limit changes, queue pressure and slow writes (for logs). */
  readonly onEvent?: ((event: WriteEvent) => void) | undefined;
  /** After how long a batch still being written is reported, and again after each such span (default 30 s). */
  readonly slowWriteMs?: number | undefined;
  /** Records a batch written in parts (one written whole records it in its own transaction). */
  readonly recordLedger?: ((entry: LedgerEntry) => Promise<void>) | undefined;
}

/** What a submitter hears of its batch. */
export interface BatchHandlers {
  /** Each row the database refused (a data error), while the batch is written; the batch's other rows are committed. */
  readonly onRowRefused?: ((row: RefusedRow) => Promise<void> | void) | undefined;
  /** The batch is committed. */
  readonly onWritten?: ((counts: ResilientCounts) => void) | undefined;
  /** The batch could not be written within the retry limits, or was not written because the writer stopped. */
  readonly onFailed?: ((error: unknown) => void) | undefined;
}

export class Writer {
  private readonly gate: WriteGate;
  private readonly slowWrites: SlowWrites;
  private readonly strategies: readonly [WriteStrategy, ...WriteStrategy[]];
  private readonly maxQueued: number;
  /** Set once a batch failed, when the writer stops on failure. */
  private stoppedBy: { readonly error: unknown } | undefined;

  constructor(private readonly options: WriterOptions) {
    this.strategies = [options.strategy, ...(options.fallbacks ?? [])];
    this.maxQueued = options.maxQueued ?? Infinity;
    this.gate = new WriteGate({ limit: options.limit, ...options.limitSteps, onEvent: (event) => this.report(event) });
    this.slowWrites = new SlowWrites(options.slowWriteMs ?? SLOW_WRITE_MS, (event) => this.report(event));
    options.metrics?.watchGate(this.gate);
  }

  /** Batches written at once now (lowered on overload, raised again when healthy). */
  get limit(): number {
    return this.gate.limit;
  }

  /** Moves the number of batches written at once to `limit`, in gradual steps. */
  requestLimit(limit: number): void {
    this.gate.requestLimit(limit);
  }

  /**
   * Queues `batch` for writing; resolves once it is queued (at once while fewer than
   * `maxQueued` batches wait). Its outcome comes through `handlers`.
   */
  submit(batch: Batch, handlers: BatchHandlers = {}): Promise<void> {
    // Queued in this call when there is room: a drain() that follows sees the batch.
    if (this.gate.queued < this.maxQueued) return Promise.resolve(this.admit(batch, handlers));
    return this.gate.queuedBelow(this.maxQueued).then(() => this.admit(batch, handlers));
  }

  /** Resolves when every batch submitted so far is settled. */
  drain(): Promise<void> {
    return this.gate.idle();
  }

  /** Drains, then stops the gate's limit changes in progress. */
  async close(): Promise<void> {
    await this.gate.idle();
    this.gate.close();
  }

  private admit(batch: Batch, handlers: BatchHandlers): void {
    if (this.stoppedBy) return handlers.onFailed?.(this.stoppedBy.error);
    void this.gate.run(async () => {
      // A batch waiting when another failed for good must not start (and retry) after it.
      if (this.stoppedBy) return handlers.onFailed?.(this.stoppedBy.error);
      try {
        handlers.onWritten?.(await this.write(batch, handlers.onRowRefused));
      } catch (error) {
        if (this.options.stopOnFailure) this.stoppedBy ??= { error };
        handlers.onFailed?.(error);
      }
    });
  }

  /** Writes one batch: its metrics recorded, the gate told how it went. */
  private async write(batch: Batch, onRowRefused: BatchHandlers['onRowRefused']): Promise<ResilientCounts> {
    const { metrics } = this.options;
    const slow = this.slowWrites.watch(batch.table.name, batch.rows.length);
    const started = performance.now();
    try {
      const counts = await writeResiliently(batch, {
        strategies: this.strategies,
        retry: this.options.retry ?? DEFAULT_RETRY_LIMITS,
        onRowRefused: (row) => {
          metrics?.recordRowRejected('database');
          metrics?.recordError(row.code);
          return onRowRefused?.(row);
        },
        recordLedger: this.options.recordLedger ?? (async () => {}),
        onOverload: () => this.gate.onOverload(),
        onEvent: (event) => {
          if (event.kind === 'retry') slow.retrying(event.code);
          this.report(event);
        },
      });
      metrics?.recordBatchWritten(this.options.strategy.name, counts, (performance.now() - started) / 1000);
      this.gate.onSuccess();
      return counts;
    } catch (error) {
      metrics?.recordError(classifyError(error).code);
      throw error;
    } finally {
      slow.done();
    }
  }

  private report(event: WriteEvent): void {
    if (event.kind === 'limit' || event.kind === 'queue-pressure') this.options.metrics?.recordGateEvent(event);
    else if (event.kind !== 'slow-write') this.options.metrics?.recordResilienceEvent(event);
    this.options.onEvent?.(event);
  }
}
