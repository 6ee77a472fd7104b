/**
 * What a doctor check is and what it reports. Checks are grouped in families, one file
 * each (connectivity, migrations, statistics, …); a family returns one result per aspect
 * it looked at. Ids are stable, `<family>.<aspect>`, so scripts can match on them.
 */
import type pg from 'pg';
import type { Config } from '../config.js';
import { boundedPool } from './bounded-pool.js';
import { type ConnectionSlots, readConnectionSlots } from './connection-slots.js';
import { detectPooler, type PoolerFinding } from './pooler-detection.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable: `<family>` or `<family>.<aspect>`, e.g. `connections.usage`. */
  readonly id: string;
  readonly status: CheckStatus;
  /** One line, with the numbers that led to the status. */
  readonly summary: string;
  /** What to do about it; present whenever the status is not pass. */
  readonly remedy?: string;
  /** The numbers behind the summary, for `--json`. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface DoctorContext {
  /**
   * A small pool on the URL optdb writes through (which may be a pooler's). In a context
   * made by createDoctorContext every statement sent through it runs under doctor's lock
   * and statement timeouts (bounded-pool.ts).
   */
  readonly pool: pg.Pool;
  /** The URL optdb writes through: DATABASE_URL or the embedded server's. */
  readonly url: string;
  /** The URL migrations use (DIRECT_URL, else the same as url). */
  readonly directUrl: string;
  readonly config: Config;
  /** optdb processes expected to write to this server at once (`--workers`). */
  readonly workers: number;
  /** Repair what can be repaired safely (`--fix`), e.g. ANALYZE stale tables. */
  readonly fix: boolean;
  /** Whether `url` goes through a pooler: probed once, read by the configuration and pooler checks. */
  pooler(): Promise<PoolerFinding>;
  /** The server's connection slots: read once, by the connections and configuration checks. */
  connectionSlots(): Promise<ConnectionSlots>;
}

/**
 * A context whose pool bounds every statement with doctor's timeouts, and whose shared
 * reads — the pooler probe (a query, maybe a login to PgBouncer's console), the
 * connection slots — run at most once.
 */
export function createDoctorContext(settings: Omit<DoctorContext, 'pooler' | 'connectionSlots'>): DoctorContext {
  const pool = boundedPool(settings.pool);
  let finding: Promise<PoolerFinding> | undefined;
  let slots: Promise<ConnectionSlots> | undefined;
  return {
    ...settings,
    pool,
    pooler: () => (finding ??= detectPooler(settings.url, pool)),
    connectionSlots: () => (slots ??= readConnectionSlots(pool)),
  };
}

export interface CheckFamily {
  /** The word every id of this family starts with. */
  readonly name: string;
  /** When this family fails, the others are not run (nothing can be checked without it). */
  readonly essential?: boolean;
  run(context: DoctorContext): Promise<CheckResult[]>;
}

export function worstStatus(statuses: readonly CheckStatus[]): CheckStatus {
  if (statuses.includes('fail')) return 'fail';
  return statuses.includes('warn') ? 'warn' : 'pass';
}
