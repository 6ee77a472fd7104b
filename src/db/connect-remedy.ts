/**
 * What to do when a connection cannot be made — one answer for every command: the
 * SQLSTATE policy's remedy when the server said why (a wrong password, a database that
 * does not exist), else what to check for a server that cannot be reached. (The write
 * paths' advice for a failure that persists is to run `optdb doctor`; a connection that
 * cannot be made at all needs the concrete checks instead.)
 */
import { classifyError } from './error-policy.js';

const UNREACHABLE_REMEDY =
  'check the host and port in DATABASE_URL, that the server is running and accepts connections from here (listen_addresses, pg_hba.conf, a firewall or security group), and that a suspended compute (Neon) has woken up';

export function connectRemedy(error: unknown): string {
  const { policy } = classifyError(error);
  return /optdb doctor/.test(policy.remedy) ? UNREACHABLE_REMEDY : policy.remedy;
}
