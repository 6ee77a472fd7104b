/** One transaction on a connection, the way every optdb statement group runs it. */
import type pg from 'pg';

/**
 * Runs `work` between BEGIN and COMMIT on `client`; when anything throws (BEGIN
 * included), rolls back — a rollback that fails on a broken connection is ignored — and
 * passes the error on.
 */
export async function inTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  try {
    await client.query('BEGIN');
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
