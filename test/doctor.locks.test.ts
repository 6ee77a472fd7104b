import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { locks, locksFamily } from '../src/doctor/locks.js';
import { createMigratedDatabase, type TestDatabase } from './harness/database.js';
import { resultFor, runFamily } from './harness/doctor.js';
import { query } from './harness/sql.js';

const TICKER = 'O:LOCK260116C00100000';
const UPDATE_ROW = `UPDATE options SET primary_exchange = 'XCBO' WHERE ticker = '${TICKER}'`;

let db: TestDatabase;
before(async () => {
  db = await createMigratedDatabase('doctor_locks');
  await query(
    db.url,
    `INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price)
     VALUES ($1, 'LOCK', 'LOCK', 'call', DATE '2026-01-16', 100)`,
    [TICKER],
  );
});
after(() => db.drop());

interface Session {
  readonly client: pg.Client;
  readonly pid: number;
}

async function session(applicationName: string): Promise<Session> {
  const client = new pg.Client({ connectionString: db.url, application_name: applicationName });
  client.on('error', () => {});
  await client.connect();
  const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  return { client, pid };
}

/** Starts the UPDATE that will wait on the holder's row lock; resolves once the server shows it waiting. */
async function blockedUpdate(waiter: Session): Promise<{ update: Promise<unknown> }> {
  const update = waiter.client.query(UPDATE_ROW).catch((error: unknown) => error);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [row] = await query(db.url, 'SELECT count(*)::int AS n FROM pg_locks WHERE pid = $1 AND NOT granted', [waiter.pid]);
    if (row.n > 0) return { update };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`pid ${waiter.pid} never waited for the row lock`);
}

interface Listed {
  waiting: { pid: number; blocking_pids: number[] }[];
  blockers: { pid: number; state: string }[];
}

test("no waiting session passes; no lock held on optdb's tables passes", async () => {
  const results = await runFamily(locks, { url: db.url });
  const result = resultFor(results, 'locks.blocked');
  assert.equal(result.status, 'pass', result.summary);
  const held = resultFor(results, 'locks.held');
  assert.equal(held.status, 'pass', held.summary);
});

test('a LOCK TABLE left idle in transaction, nobody waiting yet: locks.held warns with the pid, terminate it; long held, it fails', async () => {
  const holder = await session('table locker');
  try {
    await holder.client.query('BEGIN');
    await holder.client.query('LOCK TABLE options IN SHARE MODE');
    const results = await runFamily(locks, { url: db.url });
    assert.equal(resultFor(results, 'locks.blocked').status, 'pass');
    const held = resultFor(results, 'locks.held');
    assert.equal(held.status, 'warn', held.summary);
    assert.match(
      held.summary,
      new RegExp(
        `^1 session\\(s\\) hold a lock on optdb's tables that stops its writes .*: pid ${holder.pid} \\(postgres, table locker, idle in transaction for .* s, transaction open .* s\\) holds ShareLock on options: LOCK TABLE options IN SHARE MODE$`,
      ),
    );
    assert.match(
      held.remedy ?? '',
      new RegExp(
        `^pid ${holder.pid} holds the lock and is idle in transaction: end it with SELECT pg_terminate_backend\\(${holder.pid}\\)`,
      ),
    );
    const listed = held.details as unknown as { holders: { pid: number; locks: string[] }[] };
    assert.deepEqual(
      listed.holders.map((h) => [h.pid, h.locks]),
      [[holder.pid, ['ShareLock on options']]],
    );

    await new Promise((resolve) => setTimeout(resolve, 300));
    const long = resultFor(await runFamily(locksFamily({ failAfterSeconds: 0.2 }), { url: db.url }), 'locks.held');
    assert.equal(long.status, 'fail', long.summary);

    await holder.client.query('ROLLBACK');
    assert.equal(resultFor(await runFamily(locks, { url: db.url }), 'locks.held').status, 'pass');
  } finally {
    await holder.client.end();
  }
});

test('row locks and the ROW EXCLUSIVE lock of a write are not what locks.held reports', async () => {
  const writer = await session('open writer');
  try {
    await writer.client.query('BEGIN');
    await writer.client.query(UPDATE_ROW);
    const held = resultFor(await runFamily(locks, { url: db.url }), 'locks.held');
    assert.equal(held.status, 'pass', held.summary);
  } finally {
    await writer.client.query('ROLLBACK');
    await writer.client.end();
  }
});

test('an UPDATE behind an idle transaction: both pids listed, terminate the idle one; released, it passes', async () => {
  const holder = await session('lock holder');
  const waiter = await session('lock waiter');
  try {
    await holder.client.query('BEGIN');
    await holder.client.query(UPDATE_ROW);
    const { update } = await blockedUpdate(waiter);

    const result = resultFor(await runFamily(locks, { url: db.url }), 'locks.blocked');
    assert.equal(result.status, 'warn', result.summary);
    assert.match(
      result.summary,
      new RegExp(
        `^1 session\\(s\\) waiting for a lock.*pid ${waiter.pid} \\(postgres, lock waiter\\) waits .* blocked by pid ${holder.pid} \\(postgres, lock holder, idle in transaction`,
      ),
    );
    assert.match(result.remedy ?? '', new RegExp(`SELECT pg_terminate_backend\\(${holder.pid}\\)`));
    const listed = result.details as unknown as Listed;
    assert.deepEqual(
      listed.waiting.map((w) => [w.pid, w.blocking_pids]),
      [[waiter.pid, [holder.pid]]],
    );
    assert.deepEqual(
      listed.blockers.map((b) => [b.pid, b.state]),
      [[holder.pid, 'idle in transaction']],
    );

    // Waiting past the fail threshold fails.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const long = resultFor(await runFamily(locksFamily({ failAfterSeconds: 0.2 }), { url: db.url }), 'locks.blocked');
    assert.equal(long.status, 'fail', long.summary);

    await holder.client.query('COMMIT');
    assert.equal(((await update) as pg.QueryResult).rowCount, 1);
    const released = resultFor(await runFamily(locks, { url: db.url }), 'locks.blocked');
    assert.equal(released.status, 'pass', released.summary);
  } finally {
    await Promise.all([holder.client.end(), waiter.client.end()]);
  }
});

test('a blocker that is still running is not to be terminated: wait or fix the application', async () => {
  const holder = await session('busy holder');
  const waiter = await session('busy waiter');
  try {
    await holder.client.query('BEGIN');
    await holder.client.query(UPDATE_ROW);
    const sleeping = holder.client.query('SELECT pg_sleep(30)').catch((error: unknown) => error);
    const { update } = await blockedUpdate(waiter);

    const result = resultFor(await runFamily(locks, { url: db.url }), 'locks.blocked');
    assert.equal(result.status, 'warn', result.summary);
    assert.match(result.summary, new RegExp(`blocked by pid ${holder.pid} \\(postgres, busy holder, active`));
    assert.match(
      result.remedy ?? '',
      new RegExp(`pid ${holder.pid} holds the lock and is active: wait for it to finish, or fix the application`),
    );
    assert.doesNotMatch(result.remedy ?? '', /pg_terminate_backend/);

    await query(db.url, 'SELECT pg_cancel_backend($1)', [holder.pid]);
    assert.equal(((await sleeping) as pg.DatabaseError).code, '57014');
    await holder.client.query('ROLLBACK');
    await update;
  } finally {
    await Promise.all([holder.client.end(), waiter.client.end()]);
  }
});
