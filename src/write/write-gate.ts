/**
 * The write gate: the one place that decides how many writes run at once — a semaphore,
 * with the lessons of running one under load built in.
 *
 * - **Limit changes are gradual.** A requested change (700 → 100) is applied in steps of
 *   at most `stepFraction` of the limit the change started from, one step per
 *   `stepIntervalMs` (700 → 490 → 280 → 100 with 0.3), never all at once.
 * - **Overload lowers the limit** (53300 too many connections, pool acquire timeouts),
 *   by one step at a time and never to zero; a run of healthy writes raises it by one,
 *   never above the requested limit.
 * - **Queue pressure is reported**: "when queue length > 5× limit, expect issues" — the
 *   gate says so once per episode, and again only after the queue has drained below the
 *   limit.
 * Every change is reported through `onEvent` (for logs) and readable for metrics.
 *
 * Built on p-queue, which already does the queueing and lets the concurrency change while
 * tasks run; the gate adds only the policy above.
 */
import PQueue from 'p-queue';
import { type Config, DEFAULT_LIMIT_STEPS } from '../config.js';

export interface WriteGateOptions {
  /** The starting limit, and the most the gate raises it to on its own. */
  readonly limit: number;
  /** The largest change per step, as a share of the limit when the change began. */
  readonly stepFraction?: number;
  /** Time between two steps of a requested change (ms). */
  readonly stepIntervalMs?: number;
  /** Healthy writes in a row before the limit grows by one after an overload. */
  readonly increaseAfter?: number;
  /** Queue pressure is reported when more than this many times the limit are waiting. */
  readonly pressureFactor?: number;
  readonly onEvent?: (event: GateEvent) => void;
}

/** How a requested limit change is paced (Config: OPTDB_LIMIT_STEP_FRACTION, OPTDB_LIMIT_STEP_INTERVAL_MS). */
export type LimitSteps = Pick<WriteGateOptions, 'stepFraction' | 'stepIntervalMs'>;

export function limitStepsFrom(config: Pick<Config, 'limitStepFraction' | 'limitStepIntervalMs'>): LimitSteps {
  return { stepFraction: config.limitStepFraction, stepIntervalMs: config.limitStepIntervalMs };
}

export type LimitChangeReason = 'requested' | 'overload' | 'recovery';

export type GateEvent =
  | { kind: 'limit'; from: number; to: number; target: number; reason: LimitChangeReason }
  | { kind: 'queue-pressure'; queued: number; limit: number };

export const GATE_DEFAULTS = { ...DEFAULT_LIMIT_STEPS, increaseAfter: 20, pressureFactor: 5 } as const;

export class WriteGate {
  private readonly queue: PQueue;
  private readonly options: Required<Omit<WriteGateOptions, 'onEvent'>> & Pick<WriteGateOptions, 'onEvent'>;
  /** The limit asked for: the gate ramps toward it and never grows beyond it. */
  private requested: number;
  private ramp: { step: number; timer: NodeJS.Timeout } | undefined;
  private healthy = 0;
  private underPressure = false;
  private pressureEpisodes = 0;

  constructor(options: WriteGateOptions) {
    this.options = { ...GATE_DEFAULTS, ...options };
    if (!(this.options.stepFraction > 0 && this.options.stepFraction <= 1)) {
      throw new RangeError(`Expected \`stepFraction\` in (0, 1], got \`${this.options.stepFraction}\``);
    }
    this.requested = options.limit;
    this.queue = new PQueue({ concurrency: options.limit });
  }

  /** Writes allowed at once right now. */
  get limit(): number {
    return this.queue.concurrency;
  }

  /** The limit the gate is moving toward (or holds). */
  get target(): number {
    return this.requested;
  }

  get inFlight(): number {
    return this.queue.pending;
  }

  get queued(): number {
    return this.queue.size;
  }

  /** How many times the queue went over `pressureFactor` × the limit. */
  get pressureWarnings(): number {
    return this.pressureEpisodes;
  }

  /** Runs `task` when a slot is free. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.add(task);
    this.checkPressure();
    return result;
  }

  /** Resolves when fewer than `count` tasks are waiting (not counting running ones). */
  queuedBelow(count: number): Promise<void> {
    return this.queue.onSizeLessThan(count);
  }

  /** Resolves when nothing runs or waits. */
  idle(): Promise<void> {
    return this.queue.onIdle();
  }

  /** Drops the tasks still waiting (their promises never settle: callers stop waiting on them). */
  clearQueued(): void {
    this.queue.clear();
  }

  /** Moves the limit to `limit` gradually (see the file comment). */
  requestLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Expected a limit >= 1, got \`${limit}\``);
    this.requested = limit;
    this.stopRamp();
    if (limit === this.limit) return;
    const step = Math.max(1, Math.round(this.limit * this.options.stepFraction));
    this.ramp = { step, timer: setInterval(() => this.stepTowardTarget(), this.options.stepIntervalMs) };
    this.ramp.timer.unref(); // a ramp in progress never keeps the process alive
    this.stepTowardTarget();
  }

  /** The server is overloaded: one step down now. */
  onOverload(): void {
    this.healthy = 0;
    const step = Math.max(1, Math.floor(this.limit * this.options.stepFraction));
    // An overload ends a ramp upward; a ramp downward continues from the lower limit.
    if (this.requested > this.limit) this.stopRamp();
    this.setLimit(Math.max(1, this.limit - step), 'overload');
  }

  /** A write succeeded: after a run of them, one step back up toward the requested limit. */
  onSuccess(): void {
    if (this.ramp || this.limit >= this.requested) return;
    if (++this.healthy < this.options.increaseAfter) return;
    this.healthy = 0;
    this.setLimit(this.limit + 1, 'recovery');
  }

  /** Stops a ramp in progress (the limit stays where it is). */
  close(): void {
    this.stopRamp();
  }

  private stepTowardTarget(): void {
    const ramp = this.ramp;
    if (!ramp) return;
    const gap = this.requested - this.limit;
    const next = this.limit + Math.sign(gap) * Math.min(Math.abs(gap), ramp.step);
    this.setLimit(next, 'requested');
    if (next === this.requested) this.stopRamp();
  }

  private stopRamp(): void {
    if (this.ramp) clearInterval(this.ramp.timer);
    this.ramp = undefined;
  }

  private setLimit(limit: number, reason: LimitChangeReason): void {
    const from = this.limit;
    if (limit === from) return;
    this.queue.concurrency = limit;
    this.options.onEvent?.({ kind: 'limit', from, to: limit, target: this.requested, reason });
  }

  private checkPressure(): void {
    const queued = this.queue.size;
    if (!this.underPressure && queued > this.options.pressureFactor * this.limit) {
      this.underPressure = true;
      this.pressureEpisodes++;
      this.options.onEvent?.({ kind: 'queue-pressure', queued, limit: this.limit });
    } else if (this.underPressure && queued <= this.limit) {
      this.underPressure = false;
    }
  }
}
