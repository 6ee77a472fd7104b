import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { poolerFromUrl } from '../src/doctor/pooler-detection.js';
import { pooler } from '../src/doctor/pooler.js';
import { runCli } from './harness/cli.js';
import { adminUrl, createMigratedDatabase, type TestDatabase } from './harness/database.js';
import { resultFor, runFamily } from './harness/doctor.js';
import { type PgBouncer, startPgBouncer } from './harness/pgbouncer.js';
import { query } from './harness/sql.js';

let db: TestDatabase;
let bouncer: PgBouncer;
let throughBouncer: string;
before(async () => {
  db = await createMigratedDatabase('doctor_pooler');
  bouncer = await startPgBouncer(adminUrl(), { poolMode: 'transaction', defaultPoolSize: 2 });
  throughBouncer = bouncer.url(db.name);
});
after(async () => {
  await bouncer?.stop();
  await db?.drop();
});

test("the test server's own URL is a direct connection: every pooler check passes", async () => {
  const results = await runFamily(pooler, { url: db.url });
  const detection = resultFor(results, 'pooler.detection');
  assert.equal(detection.status, 'pass');
  assert.match(detection.summary, /^direct connection \(server port (\d+) = URL port \1\)$/);
  assert.equal(detection.details?.detected, false);
  for (const id of ['pooler.direct-url', 'pooler.prepared-statements', 'pooler.url-parameters'])
    assert.equal(resultFor(results, id).status, 'pass', id);
});

test('through PgBouncer in transaction mode: detected by port and admin console; no DIRECT_URL fails', async () => {
  const results = await runFamily(pooler, { url: throughBouncer });
  const detection = resultFor(results, 'pooler.detection');
  assert.equal(detection.status, 'pass', 'a pooler is not a fault in itself');
  assert.equal(detection.details?.detected, true);
  assert.equal(detection.details?.kind, 'pgbouncer');
  assert.equal(detection.details?.mode, 'transaction');
  assert.equal(detection.details?.modeConfirmed, true, 'the admin console was read');
  assert.equal(detection.details?.urlPort, bouncer.port);
  assert.equal(detection.details?.serverPort, Number(new URL(adminUrl()).port || 5432));
  assert.match(detection.summary, /^PgBouncer 1\.\d+\.\d+ in transaction mode: no session state survives a transaction/);
  assert.match(detection.summary, /something forwards the connection/);

  const direct = resultFor(results, 'pooler.direct-url');
  assert.equal(direct.status, 'fail');
  assert.match(direct.summary, /DIRECT_URL is not set/);
  assert.match(direct.remedy ?? '', /set DIRECT_URL/);

  // The machine's PgBouncer is 1.18: no protocol-level prepared statements, and optdb does not need them.
  const prepared = resultFor(results, 'pooler.prepared-statements');
  assert.equal(prepared.status, 'pass');
  assert.match(
    prepared.summary,
    /named prepared statements would break here \((PgBouncer 1\.\d+\.\d+ is older than 1\.21|max_prepared_statements = 0)\).*unnamed/,
  );
});

test('through PgBouncer with DIRECT_URL set to the server: migrations pass; DIRECT_URL through the pooler fails', async () => {
  const withDirect = await runFamily(pooler, { url: throughBouncer, directUrl: db.url });
  const direct = resultFor(withDirect, 'pooler.direct-url');
  assert.equal(direct.status, 'pass', direct.summary);
  assert.match(direct.summary, /migrations use DIRECT_URL, a direct connection/);

  // A different URL string, the same pooler.
  const pooledDirect = `${throughBouncer}${throughBouncer.includes('?') ? '&' : '?'}application_name=migrate`;
  const both = resultFor(await runFamily(pooler, { url: throughBouncer, directUrl: pooledDirect }), 'pooler.direct-url');
  assert.equal(both.status, 'fail');
  assert.match(both.summary, /DIRECT_URL goes through PgBouncer/);
});

test('a Neon -pooler host is recognised from the URL alone', () => {
  const neon = poolerFromUrl('postgresql://alex:secret@ep-cool-name-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require');
  assert.deepEqual(neon, {
    host: 'ep-cool-name-123456-pooler.us-east-2.aws.neon.tech',
    port: 5432,
    neonPooler: true,
    pgbouncerPort: false,
  });
  assert.equal(poolerFromUrl('postgresql://alex@ep-cool-name-123456.us-east-2.aws.neon.tech/neondb').neonPooler, false);
  assert.equal(poolerFromUrl('postgresql://alex@db.internal:6432/optdb').pgbouncerPort, true);
});

test("URL parameters from Prisma's Rust-engine days are flagged as misleading", async () => {
  const url = `${db.url}${db.url.includes('?') ? '&' : '?'}pgbouncer=true&connection_limit=1200`;
  const parameters = resultFor(await runFamily(pooler, { url }), 'pooler.url-parameters');
  assert.equal(parameters.status, 'warn');
  assert.match(parameters.summary, /pgbouncer=true does nothing in Prisma 7/);
  assert.match(parameters.summary, /connection_limit=1200 is ignored/);
  assert.match(parameters.remedy ?? '', /remove pgbouncer=, connection_limit=/);
});

test('optdb doctor through PgBouncer without DIRECT_URL exits 2 and says why in --json', async () => {
  const result = await runCli(['doctor', '--json'], { DATABASE_URL: throughBouncer, DIRECT_URL: undefined });
  assert.equal(result.code, 2, result.stderr);
  const report = JSON.parse(result.stdout) as { checks: { id: string; status: string; details?: Record<string, unknown> }[] };
  const byId = new Map(report.checks.map((check) => [check.id, check]));
  assert.equal(byId.get('pooler.detection')?.details?.detected, true);
  assert.equal(byId.get('pooler.direct-url')?.status, 'fail');

  // Doctor's lock and statement timeouts were SET LOCAL: none stayed on the pool's server
  // connections for the next client. Two open transactions hold both of them (pool size 2).
  const clients = [new pg.Client({ connectionString: throughBouncer }), new pg.Client({ connectionString: throughBouncer })];
  try {
    for (const client of clients) await client.connect();
    for (const client of clients) await client.query('BEGIN');
    const rows = await Promise.all(
      clients.map(async (client) => (await client.query(`SELECT pg_backend_pid() AS pid, ${SETTINGS}`)).rows[0]),
    );
    assert.equal(new Set(rows.map((row) => row.pid)).size, 2, 'two server connections');
    const [server] = await query(db.url, `SELECT ${SETTINGS}`);
    assert.deepEqual(
      rows.map(({ pid: _, ...settings }) => settings),
      [server, server],
    );
  } finally {
    for (const client of clients) await client.end().catch(() => undefined);
  }
});

const SETTINGS = `current_setting('statement_timeout') AS statement_timeout, current_setting('lock_timeout') AS lock_timeout`;
