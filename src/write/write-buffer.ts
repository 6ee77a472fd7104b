/**
 * The write buffer: the shape of code that fails under load — hundreds of tasks, each
 * writing one row — made safe. Any number of callers `await buffer.write(row)`;
 * rows are coalesced into batches (bounded by rows and by a short delay) and written with
 * a batch strategy, so the database sees a few flat statements instead of hundreds of
 * concurrent upserts.
 *
 * - `write` resolves when the row is durable (its batch committed), with what happened to
 *   it; it rejects with the reason when the row is invalid, when the database refuses it
 *   (the batch is split until the refused row is alone; the others are committed), or
 *   when its batch cannot be written within the retry limits.
 * - Batches go through the same writer as ingest (writer.ts): its gate, transient
 *   errors retried, planner errors falling back to simpler strategies, overload lowering
 *   the number of batches written at once.
 * - Memory is bounded: at most `maxPendingRows` rows are pending, under any number of
 *   concurrent callers. A row written while the buffer is full waits, in order, and takes
 *   its place only when a batch has made room for it (its place is taken as it is let in,
 *   so waking callers cannot all slip in at once). A producer that asks `room()` before it
 *   reads more input (the poll's fetchers do) leaves the rest in its source.
 * - At most `concurrency` batches are written at once (the process's write gate).
 */
import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import { DEFAULT_WRITE_CONCURRENCY } from '../config.js';
import type { ContractRow } from '../domain/contract.js';
import type { Validated } from '../domain/snapshot.js';
import { OptdbError } from '../errors.js';
import { type Batch, Batcher, DEFAULT_BATCH_LIMITS } from './batch.js';
import type { RetryLimits } from '../retry-limits.js';
import type { WriteStrategy } from './strategy.js';
import { rowKey, type TableRow, type TableSpec } from './tables.js';
import type { LimitSteps } from './write-gate.js';
import type { WriteMetrics } from './write-metrics.js';
import { type WriteEvent, Writer } from './writer.js';

export interface WriteBufferOptions<Input> {
  readonly strategy: WriteStrategy;
  /** Simpler strategies for batches that keep hitting planner errors (XX000), in order. */
  readonly fallbacks?: readonly WriteStrategy[];
  readonly retry?: RetryLimits;
  /** Retries, splits, fallbacks, limit changes, queue pressure and slow writes (for logs). */
  readonly onEvent?: (event: WriteEvent) => void;
  /** Counts rows, batches, retries and errors, and watches the write gate (OptdbMetrics). */
  readonly metrics?: WriteMetrics;
  readonly table: TableSpec;
  /** Turns a caller's input into a row and its contract, or a reason to reject it. */
  readonly validate: (input: Input) => Validated;
  /** A batch is written when it holds this many rows… */
  readonly maxBatchRows?: number;
  /** …or when its first row has waited this long (ms). */
  readonly maxDelayMs?: number;
  /** Callers wait while this many rows are buffered and not yet written. */
  readonly maxPendingRows?: number;
  /**
   * Batches written at once (the write gate's limit; change it with `setConcurrency`).
   * Default: DEFAULT_WRITE_CONCURRENCY, as for OPTDB_WRITE_CONCURRENCY.
   */
  readonly concurrency?: number;
  /** How changes of that limit are paced (defaults: GATE_DEFAULTS). */
  readonly limitSteps?: LimitSteps;
  /** After how long a batch still being written is reported as a slow-write event (default 30 s). */
  readonly slowWriteMs?: number;
}

/** What happened to one row. `collapsed`: a later write of the same key in the same batch won. */
export type RowOutcome = 'written' | 'collapsed';

interface Settle {
  readonly resolve: (outcome: RowOutcome) => void;
  readonly reject: (error: Error) => void;
}

interface Pending extends Settle {
  readonly key: string;
}

/** A valid row written while the buffer was full, waiting for room. */
interface Blocked extends Settle {
  readonly row: TableRow;
  readonly contract: ContractRow;
}

const DEFAULTS = { maxBatchRows: 2_000, maxDelayMs: 20, maxPendingRows: 20_000, concurrency: DEFAULT_WRITE_CONCURRENCY };

export class WriteBuffer<Input> {
  private readonly options: typeof DEFAULTS & WriteBufferOptions<Input>;
  private readonly writer: Writer;
  private readonly space = new EventEmitter();
  private readonly batcher: Batcher;
  private waiting: Pending[] = [];
  private blocked: Blocked[] = [];
  private timer: NodeJS.Timeout | undefined;
  private buffered = 0;
  private closed = false;

  constructor(options: WriteBufferOptions<Input>) {
    this.options = { ...DEFAULTS, ...options };
    const { strategy, fallbacks, retry, limitSteps, metrics, onEvent, slowWriteMs } = this.options;
    this.writer = new Writer({ strategy, fallbacks, retry, limit: this.options.concurrency, limitSteps, metrics, onEvent, slowWriteMs });
    // The buffer cuts batches itself (rows and delay); the byte bound still applies.
    this.batcher = new Batcher(this.options.table, { ...DEFAULT_BATCH_LIMITS, maxRows: this.options.maxBatchRows });
    this.space.setMaxListeners(0);
  }

  /** Rows accepted and not yet durable. */
  get pending(): number {
    return this.buffered;
  }

  /** Batches written at once now (lowered on overload, raised again when healthy). */
  get concurrency(): number {
    return this.writer.limit;
  }

  /** Moves the number of batches written at once to `limit`, in gradual steps. */
  setConcurrency(limit: number): void {
    this.writer.requestLimit(limit);
  }

  async write(input: Input): Promise<RowOutcome> {
    if (this.closed) throw new OptdbError('CONFIG_INVALID', 'write() after close(): the write buffer is closed.');
    this.options.metrics?.recordRowRead();
    const validated = this.options.validate(input);
    if (!validated.ok) {
      this.options.metrics?.recordRowRejected('validation');
      throw new OptdbError('ROW_REJECTED', `row rejected: ${validated.reason}`);
    }
    const { row, contract } = validated;
    return new Promise<RowOutcome>((resolve, reject) => {
      if (this.hasRoom()) this.enqueue(row, contract, { resolve, reject });
      else this.blocked.push({ row, contract, resolve, reject });
    });
  }

  /**
   * Resolves when the buffer has room (fewer than `maxPendingRows` rows pending or
   * waiting for room). A producer that awaits it before it reads more input (an API page,
   * a file chunk) keeps the rows it has not handed over in its source, not parked in
   * write() calls in memory.
   */
  async room(): Promise<void> {
    while (this.buffered + this.blocked.length >= this.options.maxPendingRows) await once(this.space, 'space');
  }

  /** Writes what is buffered now and waits until every accepted row is durable. */
  async flush(): Promise<void> {
    // Rows waiting for room are let in as batches finish: flush until none are left.
    do {
      this.cut();
      await this.writer.drain();
    } while (this.blocked.length > 0 || this.waiting.length > 0);
  }

  /** Flushes, then refuses further writes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.writer.close();
  }

  private hasRoom(): boolean {
    return this.buffered < this.options.maxPendingRows && this.blocked.length === 0;
  }

  private enqueue(row: TableRow, contract: ContractRow, settle: Settle): void {
    this.buffered++;
    this.waiting.push({ key: rowKey(this.options.table, row), ...settle });
    const full = this.batcher.add(row, contract, this.waiting.length);
    if (full) this.send(full);
    else this.timer ??= setTimeout(() => this.cut(), this.options.maxDelayMs);
  }

  /** Lets waiting rows in, in order, while there is room: each takes its place as it enters. */
  private admitBlocked(): void {
    let admitted = 0;
    while (admitted < this.blocked.length && this.buffered < this.options.maxPendingRows) {
      const { row, contract, resolve, reject } = this.blocked[admitted++]!;
      this.enqueue(row, contract, { resolve, reject });
    }
    if (admitted > 0) this.blocked = this.blocked.slice(admitted);
  }

  /** Ends the current batch early (timer or flush). */
  private cut(): void {
    const batch = this.batcher.flush();
    if (batch) this.send(batch);
  }

  private send(batch: Batch): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiters = this.waiting;
    this.waiting = [];
    // The SQLSTATE and message of each refused row, kept as its rejection's cause.
    const refused = new Map<string, { code: string; message: string }>();
    const settled = () => {
      this.buffered -= waiters.length;
      this.admitBlocked();
      this.space.emit('space');
    };
    void this.writer.submit(batch, {
      onRowRefused: (row) => void refused.set(rowKey(this.options.table, row.row), { code: row.code, message: row.message }),
      onWritten: () => {
        // Within a batch the last write of a key wins; earlier ones were collapsed into it.
        const last = new Map(waiters.map((w, i) => [w.key, i]));
        waiters.forEach((w, i) => {
          const reason = refused.get(w.key);
          if (reason !== undefined && last.get(w.key) === i) {
            w.reject(new OptdbError('ROW_REJECTED', `row refused by the database: ${reason.code} ${reason.message}`, { cause: reason }));
          } else w.resolve(last.get(w.key) === i ? 'written' : 'collapsed');
        });
        settled();
      },
      onFailed: (error) => {
        const reason = error instanceof Error ? error : new Error(String(error));
        for (const w of waiters) w.reject(reason);
        settled();
      },
    });
  }
}
