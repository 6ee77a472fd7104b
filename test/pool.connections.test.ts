/**
 * optdb's pool survives the server ending sessions at any moment (restarts, failover,
 * pg_terminate_backend): a lost connection fails a statement, which the SQLSTATE policy
 * retries — it never crashes the process.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { classifyError } from '../src/db/error-policy.js';
import { withPooledClient } from '../src/db/pool.js';
import { type ConnectedDatabase, connectMigratedDatabase } from './harness/connected-database.js';
import { queryOne } from './harness/sql.js';

let db: ConnectedDatabase;

before(async () => {
  db = await connectMigratedDatabase('pool_connections', 2);
});
after(() => db.close());

async function terminate(pid: number): Promise<void> {
  const { terminated } = await queryOne<{ terminated: boolean }>(db.url, 'SELECT pg_terminate_backend($1) AS terminated', [pid]);
  assert.equal(terminated, true);
}

const serverPid = (client: object): number => (client as { processID: number }).processID;

test('a session ended while its client is checked out and nobody listens: the next query fails retryably, the process lives', async () => {
  // The borrower has added no listener of its own: the moment between the pool's checkout and
  // the borrower's first statement (or its own listener) held open.
  const client = await db.pool.connect();
  await terminate(serverPid(client));
  await new Promise((resolve) => setTimeout(resolve, 200)); // the server's FATAL message arrives
  const failure = await client.query('SELECT 1').then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(failure, 'a query on a terminated session succeeded');
  assert.equal(classifyError(failure).policy.action, 'retry', classifyError(failure).code);
  client.release(true);
});

test('withPooledClient destroys a client whose session ended; the pool hands out a working one', async () => {
  const ended = await withPooledClient(db.pool, async (client) => {
    await terminate(serverPid(client));
    await new Promise((resolve) => setTimeout(resolve, 200));
    return serverPid(client);
  });
  const next = await withPooledClient(db.pool, async (client) => {
    await client.query('SELECT 1');
    return serverPid(client);
  });
  assert.notEqual(next, ended);
});
