/**
 * A write gate and the resilient batch writer behind it, with their metrics and events
 * wired once — what the ingest pipeline and the write buffer share. Callers run
 * `write(batch)` inside `gate.run(…)`; what a batch's result means for their own callers
 * (counts, rejects, waiting rows) stays with them.
 */
import { classifyError } from '../db/error-policy.js';
import type { LedgerEntry } from '../ingest/ledger.js';
import type { OptdbMetrics } from '../metrics/optdb-metrics.js';
import type { Batch } from './batch.js';
import { DEFAULT_RETRY_LIMITS, type RefusedRow, type ResilienceEvent, type ResilientCounts, ResilientWriter, type RetryLimits } from './resilient-writer.js';
import type { WriteStrategy } from './strategy.js';
import { type GateEvent, type LimitSteps, WriteGate } from './write-gate.js';

import { type SlowWriteEvent, SlowWrites } from './slow-writes.js';

export type { SlowWriteEvent };

/** Everything a gated writer reports for logs: retries, splits, fallbacks, limit changes, queue pressure, slow writes. */
export type WriteEvent = ResilienceEvent | GateEvent | SlowWriteEvent;

// Long enough that a big batch retried through a brief fault does not trigger it, short
// enough that a user watching a silent ingest learns why within a minute.
const SLOW_WRITE_MS = 30_000;

export interface GatedWriterOptions {
  readonly strategy: WriteStrategy;
  /** Simpler strategies for batches that keep hitting planner errors (XX000), in order. */
  readonly fallbacks?: readonly WriteStrategy[] | undefined;
  readonly retry?: RetryLimits | undefined;
  /** Batches written at once: the gate's limit. */
  readonly limit: number;
  readonly limitSteps?: LimitSteps | undefined;
  readonly metrics?: OptdbMetrics | undefined;
  /** Retries, splits, fallbacks, limit changes, queue pressure and slow writes (for logs). */
  readonly onEvent?: ((event: WriteEvent) => void) | undefined;
  /** After how long a batch still being written is reported, and again after each such span (default 30 s). */
  readonly slowWriteMs?: number | undefined;
  /** Records a batch written in parts (one written whole records it in its own transaction). */
  readonly recordLedger?: ((entry: LedgerEntry) => Promise<void>) | undefined;
}

export class GatedWriter {
  readonly gate: WriteGate;
  private readonly slowWrites: SlowWrites;

  constructor(private readonly options: GatedWriterOptions) {
    this.gate = new WriteGate({ limit: options.limit, ...options.limitSteps, onEvent: (event) => this.report(event) });
    this.slowWrites = new SlowWrites(options.slowWriteMs ?? SLOW_WRITE_MS, (event) => this.report(event));
    options.metrics?.watchGate(this.gate);
  }

  /**
   * Writes one batch (call it inside `gate.run`): its metrics recorded, the gate told how
   * it went. `onRowRefused` hears of each row the database refused (data errors).
   */
  async write(batch: Batch, onRowRefused: (row: RefusedRow) => Promise<void>): Promise<ResilientCounts> {
    const { metrics } = this.options;
    const slow = this.slowWrites.watch(batch.table.name, batch.rows.length);
    const writer = new ResilientWriter(this.options.strategy, {
      retry: this.options.retry ?? DEFAULT_RETRY_LIMITS,
      fallbacks: this.options.fallbacks ?? [],
      onRowRefused: (row) => {
        metrics?.rowsRejected.inc({ stage: 'database' });
        metrics?.errors.inc({ code: row.code });
        return onRowRefused(row);
      },
      recordLedger: this.options.recordLedger ?? (async () => {}),
      onOverload: () => this.gate.onOverload(),
      onEvent: (event) => {
        if (event.kind === 'retry') slow.retrying(event.code);
        this.report(event);
      },
    });
    const started = performance.now();
    try {
      const counts = await writer.write(batch);
      metrics?.recordWritten(counts);
      metrics?.batchSeconds.observe({ strategy: this.options.strategy.name }, (performance.now() - started) / 1000);
      this.gate.onSuccess();
      return counts;
    } catch (error) {
      metrics?.errors.inc({ code: classifyError(error).code });
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
