/**
 * The write buffer: the shape of code in the incident behind optdb — hundreds of tasks,
 * each writing one row — made safe. Any number of callers `await buffer.write(row)`;
 * rows are coalesced into batches (bounded by rows and by a short delay) and written with
 * a batch strategy, so the database sees a few flat statements instead of hundreds of
 * concurrent upserts.
 *
 * - `write` resolves when the row is durable (its batch committed), with what happened to
 *   it; it rejects with the reason when the row is invalid, when the database refuses it
 *   (the batch is split until the refused row is alone; the others are committed), or
 *   when its batch cannot be written within the retry limits.
 * - Batches go through the same resilience as ingest (resilient-writer.ts): transient
 *   errors retried, planner errors falling back to simpler strategies, overload lowering
 *   the number of batches written at once.
 * - Memory is bounded: when `maxPendingRows` rows are waiting, callers wait too.
 * - At most `concurrency` batches are written at once (the process's write gate).
 */
import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import PQueue from 'p-queue';
import type { ContractRow } from '../domain/contract.js';
import type { Validated } from '../domain/snapshot.js';
import { OptdbError } from '../errors.js';
import { type Batch, Batcher } from './batch.js';
import { AdaptiveLimit, DEFAULT_ADAPTIVE_LIMIT } from './adaptive-limit.js';
import { DEFAULT_RETRY_LIMITS, type ResilienceEvent, ResilientWriter, type RetryLimits } from './resilient-writer.js';
import type { WriteStrategy } from './strategy.js';
import { rowKey, type TableRow, type TableSpec } from './tables.js';

export interface WriteBufferOptions<Input> {
  readonly strategy: WriteStrategy;
  /** Simpler strategies for batches that keep hitting planner errors (XX000), in order. */
  readonly fallbacks?: readonly WriteStrategy[];
  readonly retry?: RetryLimits;
  readonly onEvent?: (event: ResilienceEvent) => void;
  readonly table: TableSpec;
  /** Turns a caller's input into a row and its contract, or a reason to reject it. */
  readonly validate: (input: Input) => Validated;
  /** A batch is written when it holds this many rows… */
  readonly maxBatchRows?: number;
  /** …or when its first row has waited this long (ms). */
  readonly maxDelayMs?: number;
  /** Callers wait while this many rows are buffered and not yet written. */
  readonly maxPendingRows?: number;
  /** Batches written at once. */
  readonly concurrency?: number;
}

/** What happened to one row. `collapsed`: a later write of the same key in the same batch won. */
export type RowOutcome = 'written' | 'collapsed';

interface Pending {
  readonly key: string;
  readonly resolve: (outcome: RowOutcome) => void;
  readonly reject: (error: Error) => void;
}

const DEFAULTS = { maxBatchRows: 2_000, maxDelayMs: 20, maxPendingRows: 20_000, concurrency: 2 };

export class WriteBuffer<Input> {
  private readonly options: typeof DEFAULTS & WriteBufferOptions<Input>;
  private readonly queue: PQueue;
  private readonly limit: AdaptiveLimit;
  private readonly space = new EventEmitter();
  private batcher: Batcher;
  private waiting: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private buffered = 0;
  private closed = false;

  constructor(options: WriteBufferOptions<Input>) {
    this.options = { ...DEFAULTS, ...options };
    this.queue = new PQueue({ concurrency: this.options.concurrency });
    this.limit = new AdaptiveLimit(this.queue, { ...DEFAULT_ADAPTIVE_LIMIT, max: this.options.concurrency });
    this.batcher = this.newBatcher();
    this.space.setMaxListeners(0);
  }

  /** Rows accepted and not yet durable. */
  get pending(): number {
    return this.buffered;
  }

  async write(input: Input): Promise<RowOutcome> {
    if (this.closed) throw new OptdbError('CONFIG_INVALID', 'write() after close(): the write buffer is closed.');
    const validated = this.options.validate(input);
    if (!validated.ok) throw new OptdbError('ROW_REJECTED', `row rejected: ${validated.reason}`);
    while (this.buffered >= this.options.maxPendingRows) await once(this.space, 'space');
    return this.enqueue(validated.row, validated.contract);
  }

  /** Writes what is buffered now and waits until every accepted row is durable. */
  async flush(): Promise<void> {
    this.cut();
    await this.queue.onIdle();
  }

  /** Flushes, then refuses further writes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private enqueue(row: TableRow, contract: ContractRow): Promise<RowOutcome> {
    return new Promise<RowOutcome>((resolve, reject) => {
      this.buffered++;
      this.waiting.push({ key: rowKey(this.options.table, row), resolve, reject });
      const full = this.batcher.add(row, contract, this.waiting.length);
      if (full) this.send(full);
      else this.timer ??= setTimeout(() => this.cut(), this.options.maxDelayMs);
    });
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
    this.batcher = this.newBatcher();
    void this.queue.add(async () => {
      const refused = new Map<string, string>();
      const writer = new ResilientWriter(this.options.strategy, {
        retry: this.options.retry ?? DEFAULT_RETRY_LIMITS,
        fallbacks: this.options.fallbacks ?? [],
        onRowRefused: async (row) => void refused.set(rowKey(this.options.table, row.row), `${row.code} ${row.message}`),
        recordLedger: async () => {},
        onOverload: () => this.limit.onOverload(),
        onEvent: this.options.onEvent,
      });
      try {
        await writer.write(batch);
        this.limit.onSuccess();
        // Within a batch the last write of a key wins; earlier ones were collapsed into it.
        const last = new Map(waiters.map((w, i) => [w.key, i]));
        waiters.forEach((w, i) => {
          const reason = refused.get(w.key);
          if (reason !== undefined && last.get(w.key) === i) w.reject(new OptdbError('ROW_REJECTED', `row refused by the database: ${reason}`));
          else w.resolve(last.get(w.key) === i ? 'written' : 'collapsed');
        });
      } catch (error) {
        const reason = error instanceof Error ? error : new Error(String(error));
        for (const w of waiters) w.reject(reason);
      } finally {
        this.buffered -= waiters.length;
        this.space.emit('space');
      }
    });
  }

  private newBatcher(): Batcher {
    // The buffer cuts batches itself (rows and delay); the byte bound still applies.
    return new Batcher(this.options.table, { maxRows: this.options.maxBatchRows, maxBytes: 8 * 1024 * 1024 });
  }
}
