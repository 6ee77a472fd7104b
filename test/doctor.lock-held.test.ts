import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { collect, runCli, spawnCli } from './harness/cli.js';
import { createMigratedDatabase, type TestDatabase } from './harness/database.js';
import { queryOne } from './harness/sql.js';

// The CLI is killed after this long: a guard against a doctor that waits on the lock
// forever, not a timing goal (doctor's own lock and statement timeouts end its waits).
const GUARD_MS = 120_000;
const HOLDER_APPLICATION = 'lock-held-test-holder';
const LOCK_STATEMENT = 'LOCK TABLE options IN ACCESS EXCLUSIVE MODE';

let db: TestDatabase;
before(async () => {
  db = await createMigratedDatabase('doctor_lock_held');
});
after(() => db.drop());

interface Holder {
  readonly pid: number;
  release(): Promise<void>;
}

/** A session that takes ACCESS EXCLUSIVE on options and is left idle in its transaction. */
async function holdOptionsLock(): Promise<Holder> {
  const client = new pg.Client({ connectionString: db.url, application_name: HOLDER_APPLICATION });
  client.on('error', () => {});
  await client.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  await client.query('BEGIN');
  await client.query(LOCK_STATEMENT);
  return {
    pid,
    async release() {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    },
  };
}

function doctorEnv() {
  return { DATABASE_URL: db.url, DIRECT_URL: undefined };
}

/** Whether one of doctor's sessions (application_name optdb) is waiting for a lock now. */
async function doctorWaitsForLock(): Promise<boolean> {
  const { n } = await queryOne(
    db.url,
    `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE NOT l.granted AND a.application_name = 'optdb' AND a.datname = current_database()`,
  );
  return n > 0;
}

test('an ACCESS EXCLUSIVE lock on options left idle in transaction: doctor ends on its own timeouts, warns, and names the holder', async () => {
  const holder = await holdOptionsLock();
  try {
    const result = await runCli(['doctor'], doctorEnv(), GUARD_MS);
    assert.equal(result.signal, null, `killed by the test's guard: doctor waited on the lock; output so far:\n${result.stdout}`);
    assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^\d+ passed, \d+ warning\(s\), 0 failed$/m);

    const holderText = `pid ${holder.pid} \\([^,]+, ${HOLDER_APPLICATION}, idle in transaction for [\\d.]+ s, transaction open [\\d.]+ s\\) holds AccessExclusiveLock on options: ${LOCK_STATEMENT}`;
    // Reported before anything waits for it, by the locks check itself.
    assert.match(
      result.stdout,
      new RegExp(`^ {2}WARN {2}locks\\.held +1 session\\(s\\) hold a lock on optdb's tables .*${holderText}`, 'm'),
    );
    assert.match(
      result.stdout,
      new RegExp(
        `→ pid ${holder.pid} holds the lock and is idle in transaction: end it with SELECT pg_terminate_backend\\(${holder.pid}\\)`,
      ),
    );
    // The checks that need the table gave up at doctor's lock_timeout and say who holds it.
    for (const id of ['plans.write-statements', 'plans.read-statements', 'maintenance.sizes']) {
      assert.match(
        result.stdout,
        new RegExp(
          `^ {2}WARN {2}${id.replace('.', '\\.')} +not (checked|explained): .*gave up waiting for a lock .*\\(55P03 .*${holderText}`,
          'm',
        ),
        id,
      );
    }
    // The checks that read catalogs and statistics views did not need it.
    for (const id of ['migrations.schema', 'statistics.freshness', 'maintenance.dead-rows', 'maintenance.indexes']) {
      assert.match(result.stdout, new RegExp(`^ {2}PASS {2}${id.replace('.', '\\.')} `, 'm'), id);
    }
  } finally {
    await holder.release();
  }
});

test('results are printed as each check finishes: the first ones are out before doctor waits for the held lock', async () => {
  const holder = await holdOptionsLock();
  try {
    const child = spawnCli(['doctor'], doctorEnv());
    const finished = collect(child, GUARD_MS);
    let exited = false;
    void finished.then(() => (exited = true));
    let stdout = '';
    const connectivitySeen = new Promise<void>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/^ {2}PASS {2}connectivity /m.test(stdout)) resolve();
      });
    });
    await Promise.race([connectivitySeen, finished]);
    assert.ok(!exited, `doctor printed no connectivity line before it ended:\n${stdout}`);
    assert.doesNotMatch(stdout, /passed, .* failed/);

    // The line is out; doctor now reaches the checks that need the table and waits for it.
    let waited = false;
    while (!exited && !(waited = await doctorWaitsForLock())) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(waited, `doctor ended without waiting for the lock after printing:\n${stdout}`);

    const result = await finished;
    assert.equal(result.signal, null, 'killed by the guard');
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`locks\\.held .*pid ${holder.pid} \\([^,]+, ${HOLDER_APPLICATION}, idle in transaction`));
  } finally {
    await holder.release();
  }
});

test('an ACCESS EXCLUSIVE lock on _prisma_migrations: doctor still ends, its migrations check saying it could not read them', async () => {
  const client = new pg.Client({ connectionString: db.url, application_name: HOLDER_APPLICATION });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('LOCK TABLE _prisma_migrations IN ACCESS EXCLUSIVE MODE');
    const result = await runCli(['doctor'], doctorEnv(), GUARD_MS);
    assert.equal(result.signal, null, `killed by the test's guard: doctor waited on the lock; output so far:\n${result.stdout}`);
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stdout, /^ {2}(WARN|FAIL) {2}migrations\b.*55P03/m);
    assert.match(result.stdout, /^ {2}PASS {2}connectivity /m);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
});

test("a holder's statement with a password literal is shown masked, in text and in --json", async () => {
  const client = new pg.Client({ connectionString: db.url, application_name: HOLDER_APPLICATION });
  client.on('error', () => {});
  await client.connect();
  const secret = 'hunter2-secret-77';
  try {
    await client.query('BEGIN');
    await client.query('LOCK TABLE options IN ACCESS EXCLUSIVE MODE');
    // Rolled back below: the role never exists outside this transaction.
    await client.query(`CREATE ROLE optdb_lock_held_masked PASSWORD '${secret}'`);
    for (const args of [['doctor'], ['doctor', '--json']]) {
      const result = await runCli(args, doctorEnv(), GUARD_MS);
      assert.equal(result.signal, null, result.stdout);
      assert.ok(!`${result.stdout}${result.stderr}`.includes(secret), `${args.join(' ')} printed the password:\n${result.stdout}`);
      assert.match(result.stdout, /CREATE ROLE optdb_lock_held_masked PASSWORD '\*\*\*\*'/, args.join(' '));
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
});
