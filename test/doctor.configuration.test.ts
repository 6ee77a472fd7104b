import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resolveConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { createDoctorContext } from '../src/doctor/check.js';
import { configuration } from '../src/doctor/configuration.js';
import { connections } from '../src/doctor/connections.js';
import { runDoctor } from '../src/doctor/doctor.js';
import { CONNECTION_SLOTS } from '../src/doctor/sql/connections.js';
import { createMigratedDatabase, type TestDatabase } from './harness/database.js';
import { resultFor, runFamily } from './harness/doctor.js';
import { query, queryOne } from './harness/sql.js';

let db: TestDatabase;
before(async () => {
  db = await createMigratedDatabase('doctor_configuration');
});
after(() => db.drop());

test('the defaults pass: concurrency within the pool, the pool within the server, a 10 s acquire timeout', async () => {
  const results = await runFamily(configuration, { url: db.url });
  const concurrency = resultFor(results, 'configuration.concurrency');
  assert.equal(concurrency.status, 'pass', concurrency.summary);
  const defaults = resolveConfig({}, {});
  assert.equal(
    concurrency.summary.replace(/\d+ free on the server \(max_connections \d+ − \d+ reserved − \d+ used by others\)$/, 'N free'),
    `write concurrency ${defaults.writeConcurrency}, pool ${defaults.poolSize} × 1 worker(s) = ${defaults.poolSize} connections, within the N free`,
  );
  const { max } = await queryOne(db.url, "SELECT current_setting('max_connections')::int AS max");
  assert.equal(concurrency.details?.max_connections, max);
  const acquire = resultFor(results, 'configuration.pool-acquire-timeout');
  assert.equal(acquire.status, 'pass');
  assert.equal(acquire.details?.poolAcquireTimeoutMs, 10_000);
});

test('write concurrency above the pool warns: batches queue for connections', async () => {
  const results = await runFamily(configuration, { url: db.url, config: { poolSize: 2, writeConcurrency: 4 } });
  const concurrency = resultFor(results, 'configuration.concurrency');
  assert.equal(concurrency.status, 'warn');
  assert.match(concurrency.summary, /write concurrency 4 > pool 2, so 2 batch\(es\) always wait for a connection/);
  assert.match(concurrency.remedy ?? '', /OPTDB_WRITE_CONCURRENCY .* at most 2/);
});

test('pool × workers above what the server can give fails, as with a pool of 1,200', async () => {
  const { max } = await queryOne(db.url, "SELECT current_setting('max_connections')::int AS max");
  assert.ok(max < 500, `this test needs max_connections below 500 (the server has ${max})`);
  const results = await runFamily(configuration, { url: db.url, config: { poolSize: 50 }, workers: 10 });
  const concurrency = resultFor(results, 'configuration.concurrency');
  assert.equal(concurrency.status, 'fail');
  assert.match(
    concurrency.summary,
    new RegExp(`pool 50 × 10 worker\\(s\\) = 500 connections > \\d+ free on the server \\(max_connections ${max} − `),
  );
  assert.match(concurrency.summary, /53300/);
  const available = Number(concurrency.details?.available);
  assert.ok(available > 0 && available < max);
  assert.match(concurrency.remedy ?? '', new RegExp(`lower OPTDB_POOL_SIZE to ${Math.floor(available / 10)} or fewer`));
});

test('a very long or very short pool acquire timeout warns', async () => {
  const long = resultFor(
    await runFamily(configuration, { url: db.url, config: { poolAcquireTimeoutMs: 300_000 } }),
    'configuration.pool-acquire-timeout',
  );
  assert.equal(long.status, 'warn');
  assert.match(long.summary, /300000 ms/);
  const short = resultFor(
    await runFamily(configuration, { url: db.url, config: { poolAcquireTimeoutMs: 200 } }),
    'configuration.pool-acquire-timeout',
  );
  assert.equal(short.status, 'warn');
  assert.match(short.summary, /shorter than one batch/);
});

test('statement_timeout off warns with ALTER ROLE; a database-level 1 s warns with ALTER DATABASE; 5 min passes', async () => {
  // The test database's own setting: other test files and databases are not affected.
  await query(db.url, `ALTER DATABASE ${db.name} RESET statement_timeout`);
  const off = resultFor(await runFamily(configuration, { url: db.url }), 'configuration.timeouts');
  assert.equal(off.status, 'warn', 'the servers the tests run on have statement_timeout off by default');
  assert.match(off.summary, /^statement_timeout is off: a stuck statement can hold a connection/);
  assert.match(off.remedy ?? '', /^ALTER ROLE \S+ SET statement_timeout = '10min'/);

  await query(db.url, `ALTER DATABASE ${db.name} SET statement_timeout = '1s'`);
  const low = resultFor(await runFamily(configuration, { url: db.url }), 'configuration.timeouts');
  assert.equal(low.status, 'warn');
  assert.match(low.summary, /^statement_timeout = 1s: too short for batch writes/);
  assert.deepEqual(low.details?.statement_timeout, { ms: 1000, source: 'database' });
  assert.equal(low.remedy, `ALTER DATABASE ${db.name} SET statement_timeout = '10min'`);

  await query(db.url, `ALTER DATABASE ${db.name} SET statement_timeout = '5min'`);
  const fine = resultFor(await runFamily(configuration, { url: db.url }), 'configuration.timeouts');
  assert.equal(fine.status, 'pass', fine.summary);
  assert.match(fine.summary, /^statement_timeout = 5min \(database\)/);
});

test("the connections and configuration checks share one read of the server's connection slots", async () => {
  const pool = createPool(db.url, { poolSize: 2, poolAcquireTimeoutMs: 10_000 });
  // Counts the slot reads on their way to the real server (doctor sends each statement
  // behind its SET LOCAL timeouts, in the same query text).
  let slotReads = 0;
  pool.on('connect', (client) => {
    const forward = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes(CONNECTION_SLOTS)) slotReads++;
      return forward(...args);
    }) as typeof client.query;
  });
  const context = createDoctorContext({
    pool,
    url: db.url,
    directUrl: db.url,
    config: { ...resolveConfig({}, {}), databaseUrl: db.url },
    workers: 1,
    fix: false,
  });
  try {
    const { checks } = await runDoctor(context, [connections, configuration]);
    assert.equal(slotReads, 1);
    const usage = resultFor(checks, 'connections.usage').details!;
    const concurrency = resultFor(checks, 'configuration.concurrency').details!;
    const server = await queryOne(
      db.url,
      `SELECT current_setting('max_connections')::int AS max_connections, current_setting('superuser_reserved_connections')::int AS superuser_reserved,
              coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved`,
    );
    for (const details of [usage, concurrency]) {
      assert.deepEqual(
        [details.max_connections, details.superuser_reserved, details.reserved],
        [server.max_connections, server.superuser_reserved, server.reserved],
      );
    }
    assert.equal(concurrency.available, Number(usage.usable) - Number(concurrency.used_by_others));
  } finally {
    await pool.end();
  }
});
