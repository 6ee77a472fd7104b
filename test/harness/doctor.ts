/** Runs doctor check families against a test database, as `optdb doctor` would. */
import assert from 'node:assert/strict';
import { type Config, resolveConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { type CheckFamily, type CheckResult, createDoctorContext } from '../../src/doctor/check.js';
import { runDoctor } from '../../src/doctor/doctor.js';

export interface DoctorTarget {
  readonly url: string;
  /** Defaults to url. */
  readonly directUrl?: string;
  readonly config?: Partial<Config>;
  readonly workers?: number;
  readonly fix?: boolean;
}

/** The results of one family against `target`, run as `optdb doctor` runs it, with a pool opened and closed around it. */
export async function runFamily(family: CheckFamily, target: DoctorTarget): Promise<readonly CheckResult[]> {
  const config: Config = { ...resolveConfig({}, {}), databaseUrl: target.url, ...target.config };
  const pool = createPool(target.url, { poolSize: 2, poolAcquireTimeoutMs: 10_000 });
  const context = createDoctorContext({
    pool,
    url: target.url,
    directUrl: target.directUrl ?? target.url,
    config,
    workers: target.workers ?? 1,
    fix: target.fix ?? false,
  });
  try {
    return (await runDoctor(context, [family])).checks;
  } finally {
    await pool.end();
  }
}

/** The result with this id (fails the test when there is none). */
export function resultFor(results: readonly CheckResult[], id: string): CheckResult {
  const found = results.find((result) => result.id === id);
  assert.ok(found, `no result ${id} among ${results.map((result) => result.id).join(', ')}`);
  return found;
}
