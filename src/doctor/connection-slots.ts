/**
 * The server's client connection slots: max_connections, less those kept for superusers
 * and (PostgreSQL 16+) for roles granted pg_use_reserved_connections. The connections and
 * configuration checks both read them, once per doctor run (DoctorContext.connectionSlots):
 * they change only with a restart.
 */
import type pg from 'pg';
import { CONNECTION_SLOTS } from './sql/connections.js';

/** Named as the query names them: `--json` shows them in the checks' details. */
export interface ConnectionSlots {
  readonly max_connections: number;
  readonly superuser_reserved: number;
  readonly reserved: number;
}

export async function readConnectionSlots(pool: pg.Pool): Promise<ConnectionSlots> {
  return (await pool.query<ConnectionSlots>(CONNECTION_SLOTS)).rows[0]!;
}

/** The slots a role without reserved-slot privileges can have. */
export function usableSlots(slots: ConnectionSlots): number {
  return slots.max_connections - slots.superuser_reserved - slots.reserved;
}
