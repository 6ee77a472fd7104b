import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { CONNECTION_THRESHOLDS, connections, connectionsFamily } from '../src/doctor/connections.js';
import { createMigratedDatabase, type TestDatabase } from './harness/database.js';
import { resultFor, runFamily } from './harness/doctor.js';
import { withOwnServer } from './harness/own-server.js';
import { query, queryOne } from './harness/sql.js';

let db: TestDatabase;
before(async () => {
  db = await createMigratedDatabase('doctor_connections');
});
after(() => db.drop());

// One second instead of a minute: the tests cannot wait a minute.
const SHORT = connectionsFamily({ ...CONNECTION_THRESHOLDS, idleInTransactionSeconds: 1, longQuerySeconds: 1 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(url: string, applicationName: string): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  client.on('error', () => {});
  await client.connect();
  return { client, pid: (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number };
}

test('a session idle in a transaction past the threshold warns with its pid; under it, it passes', async () => {
  const { client, pid } = await connect(db.url, 'idle holder');
  try {
    await client.query('BEGIN');
    await client.query('SELECT count(*) FROM options');
    const early = resultFor(await runFamily(connections, { url: db.url }), 'connections.idle-in-transaction');
    assert.equal(early.status, 'pass', early.summary);

    await sleep(1_200);
    const result = resultFor(await runFamily(SHORT, { url: db.url }), 'connections.idle-in-transaction');
    assert.equal(result.status, 'warn', result.summary);
    assert.match(
      result.summary,
      new RegExp(
        `^1 session\\(s\\) idle in a transaction for over 1 s .*: pid ${pid} \\(postgres, idle holder\\) idle \\d+\\.\\d s, last query: SELECT count\\(\\*\\) FROM options$`,
      ),
    );
    assert.match(result.remedy ?? '', new RegExp(`SELECT pg_terminate_backend\\(${pid}\\)`));
    assert.deepEqual(
      (result.details?.sessions as { pid: number }[]).map((s) => s.pid),
      [pid],
    );

    await client.query('COMMIT');
    const done = resultFor(await runFamily(SHORT, { url: db.url }), 'connections.idle-in-transaction');
    assert.equal(done.status, 'pass', done.summary);
  } finally {
    await client.end();
  }
});

test('a statement running past the threshold warns with its pid', async () => {
  const { client, pid } = await connect(db.url, 'long sleeper');
  try {
    const sleeping = client.query('SELECT pg_sleep(60)').catch((error: unknown) => error);
    await sleep(1_200);
    const result = resultFor(await runFamily(SHORT, { url: db.url }), 'connections.long-queries');
    assert.equal(result.status, 'warn', result.summary);
    assert.match(
      result.summary,
      new RegExp(
        `^1 statement\\(s\\) running for over 1 s: pid ${pid} \\(postgres, long sleeper\\) \\d+\\.\\d s.*: SELECT pg_sleep\\(60\\)$`,
      ),
    );
    assert.match(result.remedy ?? '', new RegExp(`SELECT pg_cancel_backend\\(${pid}\\)`));

    await query(db.url, 'SELECT pg_cancel_backend($1)', [pid]);
    assert.equal(((await sleeping) as pg.DatabaseError).code, '57014');
    const done = resultFor(await runFamily(SHORT, { url: db.url }), 'connections.long-queries');
    assert.equal(done.status, 'pass', done.summary);
  } finally {
    await client.end();
  }
});

test(
  'a filling connection table passes, then warns at 80 %, then fails at 95 % (own server, max_connections 8)',
  { timeout: 120_000 },
  async () => {
    await withOwnServer(
      'doctor_connections',
      async (own) => {
        const settings = await queryOne(
          own.url,
          `SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int AS superuser_reserved,
              coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved`,
        );
        assert.deepEqual(settings, { max: 8, superuser_reserved: 3, reserved: 0 }); // 5 usable slots

        const holders: pg.Client[] = [];
        // Holds `held` connections, waits until the server counts exactly those (a closed
        // session's backend may linger for a moment), then lets doctor look — with its own.
        const usageWith = async (held: number) => {
          while (holders.length < held) holders.push((await connect(own.url, 'holder')).client);
          const deadline = Date.now() + 10_000;
          const count = async () =>
            (await holders[0]!.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend'`)).rows[0].n;
          while ((await count()) !== held && Date.now() < deadline) await sleep(50);
          return resultFor(await runFamily(connections, { url: own.url }), 'connections.usage');
        };
        try {
          const low = await usageWith(1); // 2 in use of 5: 40 %
          assert.equal(low.status, 'pass', low.summary);
          assert.equal(low.details?.inUse, 2);

          const high = await usageWith(3); // 4 of 5: 80 %
          assert.equal(high.status, 'warn', high.summary);
          assert.match(
            high.summary,
            /^4 of 5 usable connections in use \(80 %; max_connections 8 − 3 superuser_reserved_connections\); by state: /,
          );

          const full = await usageWith(4); // 5 of 5: 100 %
          assert.equal(full.status, 'fail', full.summary);
          assert.match(
            full.summary,
            /^5 of 5 usable connections in use \(100 %.*by state: idle 4, active 1; by application: holder 4, optdb doctor \(this check\) 1$/,
          );
          assert.deepEqual(full.details?.byApplication, { holder: 4, 'optdb doctor (this check)': 1 });
          assert.match(full.remedy ?? '', /OPTDB_POOL_SIZE/);
        } finally {
          await Promise.all(holders.map((client) => client.end().catch(() => undefined)));
        }
      },
      { max_connections: 8 },
    );
  },
);
