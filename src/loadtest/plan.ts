/**
 * What a load test will run — every target × path × task count, one step each — and how
 * long that takes, checked before anything connects: a load test is bounded in time.
 */
import { OptdbError } from '../errors.js';
import type { WritePathName } from './write-paths.js';

export type TargetName = 'direct' | 'pooler';

export interface StepPlan {
  readonly target: TargetName;
  readonly path: WritePathName;
  readonly tasks: number;
}

export interface LoadtestPlan {
  readonly steps: readonly StepPlan[];
  /** Steps × duration: the time spent writing, not counting set-up and settling. */
  readonly totalMs: number;
}

export interface PlanOptions {
  readonly pooler: boolean;
  readonly paths: readonly WritePathName[];
  readonly tasks: readonly number[];
  readonly durationMs: number;
  /** A plan longer than this is refused. */
  readonly maxMinutes: number;
}

export function planLoadtest(options: PlanOptions): LoadtestPlan {
  if (options.paths.length === 0 || options.tasks.length === 0) {
    throw new OptdbError('CONFIG_INVALID', 'A load test needs at least one path and one task count.', {
      remedy: 'Pass --paths and --tasks with at least one value each.',
    });
  }
  const targets: TargetName[] = options.pooler ? ['direct', 'pooler'] : ['direct'];
  const steps = targets.flatMap((target) => options.paths.flatMap((path) => options.tasks.map((tasks) => ({ target, path, tasks }))));
  const totalMs = steps.length * options.durationMs;
  if (totalMs > options.maxMinutes * 60_000) {
    const needed = Math.ceil(totalMs / 60_000);
    throw new OptdbError(
      'CONFIG_INVALID',
      `The load test would run ${steps.length} steps × ${formatDuration(options.durationMs)} = ${formatDuration(totalMs)}, more than --max-minutes ${options.maxMinutes}.`,
      {
        remedy: `Pass fewer --tasks or --paths, a shorter --duration, or --max-minutes ${needed} to allow it.`,
      },
    );
  }
  return { steps, totalMs };
}

/** `400 ms`, `3 s`, `2.5 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${Number((ms / 1_000).toFixed(1))} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}
