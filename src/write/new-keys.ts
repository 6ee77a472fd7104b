/**
 * Writing rows as if every key were new, and falling back when one is not. A plain INSERT
 * or COPY costs the server less than INSERT … ON CONFLICT (which inserts each row
 * speculatively and confirms it) or a merge through a staging table; most rows of a new
 * trading day or a new capture have keys nobody wrote yet. The attempt runs under a
 * savepoint: a key that exists (23505 — stored already, or by a concurrent writer that
 * committed first) rolls back just the attempt, and the caller writes the rows the
 * careful way in the same transaction, with the result the careful way alone would have.
 */
import type pg from 'pg';
import { PostgresError } from 'pg-error-enum';

const SAVEPOINT = 'optdb_new_keys';

/** `write`'s result, or undefined — with nothing it wrote kept — when it met an existing key. */
export async function ifKeysAreNew<T>(client: pg.PoolClient, write: () => Promise<T>): Promise<T | undefined> {
  await client.query(`SAVEPOINT ${SAVEPOINT}`);
  let result: T;
  try {
    result = await write();
  } catch (error) {
    if ((error as { code?: unknown }).code !== PostgresError.UNIQUE_VIOLATION) throw error;
    await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    return undefined;
  }
  await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
  return result;
}
