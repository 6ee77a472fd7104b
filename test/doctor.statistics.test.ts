import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import type { CheckResult } from '../src/doctor/check.js';
import { STATISTICS_SETTINGS, statistics, statisticsFamily } from '../src/doctor/statistics.js';
import { TestDatabases } from './harness/database.js';
import { resultFor, runFamily } from './harness/doctor.js';
import { startPgBouncer } from './harness/pgbouncer.js';
import { queryOne } from './harness/sql.js';

const ROWS = 2_000;
const databases = new TestDatabases();
after(() => databases.dropAll());

/** A migrated database whose `options` table has ROWS rows never analyzed (autovacuum off for it). */
async function databaseWithStaleOptions(label: string): Promise<string> {
  const db = await databases.migrated(label);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    // Otherwise autovacuum may analyze the table before doctor looks.
    await client.query('ALTER TABLE options SET (autovacuum_enabled = false)');
    await client.query(`
      INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price)
      SELECT 'O:STAT260116C' || lpad(g::text, 8, '0'), 'STAT', 'STAT', 'call', DATE '2026-01-16', g
      FROM generate_series(1, ${ROWS}) g`);
    // The cumulative statistics reach shared memory when the session flushes them.
    await client.query('SELECT pg_stat_force_next_flush()');
  } finally {
    await client.end();
  }
  return db.url;
}

/** Waits until the server's statistics show the inserted rows (the flush is asynchronous). */
async function freshness(url: string): Promise<CheckResult> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = resultFor(await runFamily(statistics, { url }), 'statistics.freshness');
    if (result.status !== 'pass' || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const lastAnalyze = (url: string) => queryOne(url, "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'options'");

test('a fresh migrated database has current statistics', async () => {
  const db = await databases.migrated('doctor_statistics_fresh');
  const result = resultFor(await runFamily(statistics, { url: db.url }), 'statistics.freshness');
  assert.equal(result.status, 'pass', result.summary);
  assert.match(result.summary, /^statistics current on 4 tables/);
});

test('rows never analyzed warn naming the table; --fix analyzes it and the next run passes', async () => {
  const url = await databaseWithStaleOptions('doctor_statistics_stale');
  const stale = await freshness(url);
  assert.equal(stale.status, 'warn', stale.summary);
  assert.equal(
    stale.summary,
    `stale statistics on 1 of 4 tables: options 2,000 row changes since ANALYZE (2,000 rows now), never analyzed`,
  );
  assert.match(stale.remedy ?? '', /optdb doctor --fix.*ANALYZE options/);
  assert.equal((await lastAnalyze(url)).last_analyze, null);

  const fixed = resultFor(await runFamily(statistics, { url, fix: true }), 'statistics.freshness');
  assert.equal(fixed.status, 'pass', fixed.summary);
  assert.match(fixed.summary, /^analyzed options \(was: options 2,000 row changes since ANALYZE \(2,000 rows now\)/);
  assert.ok((await lastAnalyze(url)).last_analyze instanceof Date, 'pg_stat_user_tables shows no ANALYZE of options');

  const next = resultFor(await runFamily(statistics, { url }), 'statistics.freshness');
  assert.equal(next.status, 'pass', next.summary);
});

test('--fix gives up on a locked table after its lock timeout and warns', async () => {
  const url = await databaseWithStaleOptions('doctor_statistics_locked');
  assert.equal((await freshness(url)).status, 'warn');
  // SHARE UPDATE EXCLUSIVE is the lock ANALYZE itself takes (and VACUUM, and some DDL).
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE options IN SHARE UPDATE EXCLUSIVE MODE');
    const family = statisticsFamily({ ...STATISTICS_SETTINGS, lockTimeoutMs: 300 });
    const result = resultFor(await runFamily(family, { url, fix: true }), 'statistics.freshness');
    assert.equal(result.status, 'warn', result.summary);
    assert.match(result.summary, /^ANALYZE did not finish on options: 55P03 lock_not_available/);
    assert.match(result.remedy ?? '', /ANALYZE options/);
  } finally {
    await holder.end();
  }
  assert.equal((await lastAnalyze(url)).last_analyze, null);
});

test('--fix works through a transaction pooler (PgBouncer, transaction mode)', async () => {
  const url = await databaseWithStaleOptions('doctor_statistics_pooler');
  assert.equal((await freshness(url)).status, 'warn');
  const bouncer = await startPgBouncer(url, { poolMode: 'transaction', defaultPoolSize: 2 });
  try {
    const name = new URL(url).pathname.slice(1);
    const fixed = resultFor(await runFamily(statistics, { url: bouncer.url(name), fix: true }), 'statistics.freshness');
    assert.equal(fixed.status, 'pass', fixed.summary);
  } finally {
    await bouncer.stop();
  }
  assert.ok((await lastAnalyze(url)).last_analyze instanceof Date);
});
