/**
 * `runLoadtest`: how writes behave as tasks outnumber the gate's slots (the queue is
 * tasks − limit; past 5× the limit, trouble is expected), measured. The same write
 * workload runs at each task count against a gate of `limit`, directly and through a
 * pooler when one is given, for each write path (write-paths.ts), one step at a time.
 *
 * Set-up and cleanup go through the direct URL: the load test's contracts are created up
 * front, and its rows and contracts are deleted before the run (left by a crashed one)
 * and after it, also when the run is aborted — unless `keepData`.
 * Each target gets one pool and Prisma client for the whole run, sized like optdb's own
 * (OPTDB_POOL_SIZE, OPTDB_POOL_ACQUIRE_TIMEOUT_MS): a pool as large as the failing setup's
 * (1,200, behind a semaphore of 100) is one environment variable away.
 */
import type { Config } from '../config.js';
import { type DatabaseHooks, withDatabase } from '../db/database.js';
import { openConnections } from '../db/pool.js';
import { requireMigratedSchema } from '../db/schema-check.js';
import { retryLimitsFrom } from '../retry-limits.js';
import type { GateEvent } from '../write/write-gate.js';
import { type LoadtestPlan, planLoadtest, type StepPlan } from './plan.js';
import { runStep, type StepResult } from './run-step.js';
import { createContracts, deleteLoadtestData } from './workload-sql.js';
import { createWorkload } from './workload.js';
import { openWritePath, type WritePathDeps, type WritePathName } from './write-paths.js';

export interface LoadtestOptions extends Pick<DatabaseHooks, 'registerCleanup'> {
  /**
   * The server without a pooler: set-up, cleanup and the `direct` target. Default: the
   * configured database (DIRECT_URL, else DATABASE_URL, else the embedded server, started
   * for the run and stopped after it).
   */
  readonly directUrl?: string | undefined;
  /** The same database through a pooler: adds a `pooler` target. */
  readonly poolerUrl?: string;
  readonly paths: readonly WritePathName[];
  readonly tasks: readonly number[];
  /** Gate slots: writes running at once. */
  readonly limit: number;
  /** Writing time per step. */
  readonly durationMs: number;
  /** A plan longer than this is refused before anything connects. */
  readonly maxMinutes: number;
  /** Leave the load test's rows and contracts in the database. */
  readonly keepData?: boolean;
  readonly config: Config;
  /** The gate's queue-pressure warnings, as they happen. */
  readonly onGateEvent?: (event: GateEvent, step: StepPlan) => void;
  /** Called after each step (for progress). */
  readonly onStep?: (result: StepResult, index: number, plan: LoadtestPlan) => void;
  /** Stops the run: the current step ends early, later steps are skipped, cleanup runs. */
  readonly signal?: AbortSignal;
}

export interface LoadtestReport {
  readonly steps: StepResult[];
  readonly poolSize: number;
  readonly durationMs: number;
}

// A write still unsettled this long after its step (beyond the acquire timeout) is abandoned.
const SETTLE_GRACE_MS = 30_000;

export const LOADTEST_DEFAULTS = {
  paths: ['incident', 'buffer', 'buffer-only'] as readonly WritePathName[],
  tasks: [1, 100, 200, 500, 1000] as readonly number[],
  limit: 100,
  durationMs: 3_000,
  maxMinutes: 15,
} as const;

export async function runLoadtest(options: LoadtestOptions): Promise<LoadtestReport> {
  const plan = planLoadtest({ ...options, pooler: options.poolerUrl !== undefined });
  if (options.directUrl !== undefined) return runPlan(plan, options.directUrl, options);
  return withDatabase(options.config, (database) => runPlan(plan, database.directUrl, options), options);
}

async function runPlan(plan: LoadtestPlan, directUrl: string, options: LoadtestOptions): Promise<LoadtestReport> {
  await requireMigratedSchema(directUrl);
  const workload = createWorkload();
  await deleteLoadtestData(directUrl);
  const steps: StepResult[] = [];
  try {
    await createContracts(directUrl, workload.contracts);
    let written = 0;
    const nextResult = () => workload.result(written++);
    for (const target of new Set(plan.steps.map((step) => step.target))) {
      if (options.signal?.aborted) break;
      const targetSteps = plan.steps.filter((step) => step.target === target);
      await withTarget(target === 'pooler' ? options.poolerUrl! : directUrl, options.config, options.durationMs, async (deps) => {
        for (const step of targetSteps) {
          if (options.signal?.aborted) return;
          const path = openWritePath(step.path, deps);
          try {
            steps.push(
              await runStep(step, path, {
                limit: options.limit,
                durationMs: options.durationMs,
                settleMs: options.config.poolAcquireTimeoutMs + SETTLE_GRACE_MS,
                nextResult,
                onGateEvent: (event) => options.onGateEvent?.(event, step),
                signal: options.signal,
              }),
            );
          } finally {
            await path.close();
          }
          options.onStep?.(steps[steps.length - 1]!, steps.length - 1, plan);
        }
      });
    }
  } finally {
    if (!options.keepData) await deleteLoadtestData(directUrl);
  }
  return { steps, poolSize: options.config.poolSize, durationMs: options.durationMs };
}

async function withTarget(
  url: string,
  config: LoadtestOptions['config'],
  durationMs: number,
  work: (deps: WritePathDeps) => Promise<void>,
): Promise<void> {
  const { pool, prisma, close } = openConnections(url, config);
  // A failing batch is retried for at most one step's duration: it is counted, not retried
  // for minutes (OPTDB_RETRY_MAX_TIME_MS) while the step waits.
  const retry = { ...retryLimitsFrom(config), maxRetryTimeMs: Math.min(config.retryMaxTimeMs, durationMs) };
  try {
    // Connected, with Prisma's query compiler loaded: the first step does not pay for it.
    await prisma.option.findFirst({ select: { ticker: true } });
    await work({ pool, prisma, writeConcurrency: config.writeConcurrency, retry });
  } finally {
    await close();
  }
}
