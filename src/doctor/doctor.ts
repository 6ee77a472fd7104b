/**
 * `optdb doctor`: a database problem diagnosed step by step, run against a database.
 * Families run in order, one at a time (the checks are light, and running them at once
 * would only add connections to a server that may already be short of them), and each
 * family's results are handed on as soon as it finishes: a check that waits is seen
 * waiting after the ones before it. A family that throws is reported as a warning naming
 * what stopped it, so one unreadable view (e.g. a role without pg_read_all_stats) never
 * hides the other findings; one that gave up waiting for a lock names who holds it.
 */
import { classifyError } from '../db/error-policy.js';
import { CHECK_FAMILIES } from './check-families.js';
import { type CheckFamily, type CheckResult, type CheckStatus, type DoctorContext, worstStatus } from './check.js';
import { lockWaitOf, lockWaitResult } from './lock-wait.js';

export interface DoctorReport {
  /** True when every check passed. */
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

/** `onResult` sees each result as its family finishes (the CLI prints it then), in report order. */
export async function runDoctor(
  context: DoctorContext,
  families: readonly CheckFamily[] = CHECK_FAMILIES,
  onResult: (check: CheckResult) => void = () => {},
): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  let blockedBy: string | undefined;
  for (const family of families) {
    const results: CheckResult[] = blockedBy
      ? [
          {
            id: family.name,
            status: 'fail',
            summary: `not checked: ${blockedBy} failed`,
            remedy: `fix the ${blockedBy} problem above, then rerun`,
          },
        ]
      : await runFamily(family, context);
    checks.push(...results);
    for (const result of results) onResult(result);
    if (!blockedBy && family.essential && worstStatus(results.map((result) => result.status)) === 'fail') blockedBy = family.name;
  }
  return { ok: checks.every((check) => check.status === 'pass'), checks };
}

async function runFamily(family: CheckFamily, context: DoctorContext): Promise<CheckResult[]> {
  try {
    return await family.run(context);
  } catch (error) {
    const status = family.essential ? 'fail' : 'warn';
    const wait = await lockWaitOf(error, context.pool);
    if (wait) return [lockWaitResult(family.name, wait, { status })];
    const { code, message, policy } = classifyError(error);
    return [{ id: family.name, status, summary: `could not be checked: ${code} ${message}`, remedy: policy.remedy }];
  }
}

/** 0 when all pass, 1 when any warns, 2 when any fails. */
export function doctorExitCode(report: DoctorReport): number {
  const worst: CheckStatus = worstStatus(report.checks.map((check) => check.status));
  return worst === 'fail' ? 2 : worst === 'warn' ? 1 : 0;
}
