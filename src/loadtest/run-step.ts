/**
 * One load-test step: `tasks` closed loops, each writing one row at a time through a
 * fresh gate of `limit` slots for `durationMs` — hundreds of application tasks in front
 * of a semaphore, the shape of code that fails under load. Then the writes still in flight settle, and the step
 * reports what a person tuning the limit needs: rows, rows/s, latency from a task's call
 * to its write settling (queue wait included), the gate's peak queue, errors by code.
 *
 * A failed write is counted and its task goes on. Writes are bounded by the pool's
 * acquire timeout; as a backstop, writes not settled `settleMs` after the step's end are
 * abandoned (the queue is dropped) and counted as UNSETTLED.
 */
import { classifyError } from '../db/error-policy.js';
import { type GateEvent, WriteGate } from '../write/write-gate.js';
import { summarizeLatencies } from './latency.js';
import type { StepPlan } from './plan.js';
import type { WritePath } from './write-paths.js';

export interface StepResult extends StepPlan {
  /** The per-row gate's slots; for a path with its own gate (buffer-only), that gate's batches at once. */
  readonly limit: number;
  /** The most writes waiting for a gate slot at once (buffer-only: rows waiting in the buffer). */
  readonly queuePeak: number;
  /** Writes committed. */
  readonly rows: number;
  /** Rows over the step's wall time, settling included. */
  readonly rowsPerSecond: number;
  /** Latency of every settled write, failed ones included. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Failed writes by SQLSTATE (or Prisma / Node code). */
  readonly errors: Readonly<Record<string, number>>;
  /** Times the gate's queue went over 5× its limit. */
  readonly pressureWarnings: number;
}

export interface StepOptions {
  readonly limit: number;
  readonly durationMs: number;
  readonly settleMs: number;
  /** The snapshot result of the next write. */
  readonly nextResult: () => unknown;
  readonly onGateEvent?: (event: GateEvent) => void;
  /** Ends the step early: no new writes start. */
  readonly signal?: AbortSignal;
}

const UNSETTLED = 'UNSETTLED';
// The queue only changes between event-loop turns, so a timer sees every settled state.
const SAMPLE_INTERVAL_MS = 5;

export async function runStep(plan: StepPlan, path: WritePath, options: StepOptions): Promise<StepResult> {
  const gate = new WriteGate({ limit: options.limit, onEvent: options.onGateEvent });
  const own = path.ownGate;
  const write = own ? (result: unknown) => path.write(result) : (result: unknown) => gate.run(() => path.write(result));
  const queued = own ? () => own.queued() : () => gate.queued;
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let rows = 0;
  let outstanding = 0;
  const started = performance.now();
  const endsAt = started + options.durationMs;
  const writing = () => performance.now() < endsAt && !options.signal?.aborted;

  const task = async () => {
    while (writing()) {
      const call = performance.now();
      outstanding++;
      try {
        await write(options.nextResult());
        rows++;
      } catch (error) {
        const code = classifyError(error).code;
        errors[code] = (errors[code] ?? 0) + 1;
      } finally {
        outstanding--;
        latencies.push(performance.now() - call);
      }
    }
  };
  // Each loop calls the gate before its first await: every task is waiting or running now.
  const loops = Promise.all(Array.from({ length: plan.tasks }, task));
  let queuePeak = queued();
  const sampler = setInterval(() => (queuePeak = Math.max(queuePeak, queued())), SAMPLE_INTERVAL_MS);
  try {
    if (!(await settlesWithin(loops, options.durationMs + options.settleMs))) {
      gate.clearQueued();
      errors[UNSETTLED] = outstanding;
    }
  } finally {
    clearInterval(sampler);
    gate.close();
  }
  const elapsedMs = performance.now() - started;
  return {
    ...plan,
    limit: own?.limit ?? options.limit,
    queuePeak,
    rows,
    rowsPerSecond: elapsedMs > 0 ? (rows * 1_000) / elapsedMs : 0,
    ...summarizeLatencies(latencies),
    errors,
    pressureWarnings: gate.pressureWarnings,
  };
}

async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
