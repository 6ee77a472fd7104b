/**
 * Every request's statements run in one read-only transaction with a statement timeout:
 * whatever a query asks, it cannot write, and it cannot hold a connection longer than
 * the timeout. SET LOCAL ends with the transaction, so this works through a
 * transaction-mode pooler too.
 */
import type pg from 'pg';
import { inTransaction } from '../db/transaction.js';

export type ReadQuery = <Row>(text: string, values: readonly unknown[]) => Promise<Row[]>;

export async function readOnly<T>(pool: pg.Pool, statementTimeoutMs: number, work: (query: ReadQuery) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await inTransaction(client, async () => {
      await client.query('SET TRANSACTION READ ONLY');
      // A SET cannot take a placeholder; the value is an integer this process chose.
      await client.query(`SET LOCAL statement_timeout = ${Math.trunc(statementTimeoutMs)}`);
      return work(async <Row>(text: string, values: readonly unknown[]) => (await client.query(text, [...values])).rows as Row[]);
    });
  } catch (error) {
    // An error the server answered (a SQLSTATE: a cancelled statement, say) leaves the
    // connection usable; any other failure may have left it broken, so it is dropped.
    if (typeof (error as { code?: unknown }).code !== 'string') broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}
