/**
 * Batches still being written after a while — most often held up by a lock another
 * session holds — reported together: several batches blocked by the same lock make one
 * report with their count, not one line each at the same moment. Each batch is reported
 * once per `afterMs` it has been waiting.
 */

/** Every batch written for longer than the threshold, at one moment. */
export interface SlowWriteEvent {
  readonly kind: 'slow-write';
  readonly table: string;
  /** Batches still being written, each for at least the threshold. */
  readonly batches: number;
  readonly rows: number;
  /** How long the oldest of them has been written, in seconds. */
  readonly seconds: number;
  /** The code of a failed attempt, when one of them is being retried rather than waiting. */
  readonly retrying: string | undefined;
}

interface Watched {
  readonly table: string;
  readonly rows: number;
  readonly started: number;
  /** Reports of this batch so far. */
  reported: number;
  retrying: string | undefined;
}

/** A handle on one watched batch: note a retry, end the watch. */
export interface SlowWriteWatch {
  retrying(code: string): void;
  done(): void;
}

// How often batches are looked at: batches blocked within the same second share a report.
const TICK_MS = 1_000;

export class SlowWrites {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly afterMs: number,
    private readonly report: (event: SlowWriteEvent) => void,
  ) {}

  watch(table: string, rows: number): SlowWriteWatch {
    const entry: Watched = { table, rows, started: performance.now(), reported: 0, retrying: undefined };
    this.watched.add(entry);
    this.timer ??= setInterval(() => this.check(), Math.min(TICK_MS, this.afterMs)).unref();
    return {
      retrying: (code) => void (entry.retrying = code),
      done: () => {
        this.watched.delete(entry);
        if (this.watched.size === 0) this.stop();
      },
    };
  }

  private check(): void {
    const now = performance.now();
    const slow = [...this.watched].filter((entry) => now - entry.started >= this.afterMs);
    // A report when some batch is due one (each batch once per `afterMs` of waiting).
    const due = slow.filter((entry) => Math.floor((now - entry.started) / this.afterMs) > entry.reported);
    if (due.length === 0) return;
    for (const entry of due) entry.reported++;
    const oldest = Math.max(...slow.map((entry) => now - entry.started));
    this.report({
      kind: 'slow-write',
      table: slow[0]!.table,
      batches: slow.length,
      rows: slow.reduce((sum, entry) => sum + entry.rows, 0),
      seconds: Math.round(oldest / 1000),
      retrying: slow.find((entry) => entry.retrying !== undefined)?.retrying,
    });
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
