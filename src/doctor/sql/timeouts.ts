/**
 * The settings every statement of the doctor runs under (bounded-pool.ts): lock and
 * statement timeouts for the current transaction only.
 */
import type { DoctorTimeouts } from '../bounded-pool.js';

/** Both timeouts as one string of two statements: it can share a round trip with the statement it guards. */
export function setLocalTimeouts(timeouts: DoctorTimeouts): string {
  return `SET LOCAL lock_timeout = '${timeouts.lockTimeoutMs}ms'; SET LOCAL statement_timeout = '${timeouts.statementTimeoutMs}ms'`;
}
