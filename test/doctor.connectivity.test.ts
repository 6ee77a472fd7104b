import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectivity } from '../src/doctor/connectivity.js';
import { missingPlannerFixes, parseServerVersionNum, pastEndOfLife } from '../src/doctor/server-version.js';
import { runCli } from './harness/cli.js';
import { createMigratedDatabase, type TestDatabase } from './harness/database.js';
import { resultFor, runFamily } from './harness/doctor.js';
import { freePort } from './harness/ports.js';

let db: TestDatabase;
before(async () => {
  db = await createMigratedDatabase('doctor_connectivity');
});
after(() => db.drop());

test('a reachable server passes with its round trip and version', async () => {
  const results = await runFamily(connectivity, { url: db.url });
  const reach = resultFor(results, 'connectivity');
  assert.equal(reach.status, 'pass');
  assert.ok(Number(reach.details?.roundTripMs) >= 0);
  const version = resultFor(results, 'connectivity.server-version');
  assert.equal(version.status, 'pass', version.summary); // the test servers are current minors (15.x, 18.x)
  assert.match(String(version.details?.serverVersion), /^\d+\.\d+/);
});

test('an unreachable server fails with the SQLSTATE policy remedy', async () => {
  const port = await freePort();
  const results = await runFamily(connectivity, { url: `postgresql://postgres@127.0.0.1:${port}/postgres` });
  assert.equal(results.length, 1);
  assert.equal(results[0]!.status, 'fail');
  assert.match(results[0]!.summary, /ECONNREFUSED/);
  assert.match(results[0]!.remedy ?? '', /start the server/);
});

test('versions without the XX000 planner fixes are flagged with the release to upgrade to', () => {
  assert.deepEqual(parseServerVersionNum(150005), { major: 15, minor: 5 });
  assert.equal(missingPlannerFixes({ major: 15, minor: 5 }), '15.6');
  assert.equal(missingPlannerFixes({ major: 15, minor: 6 }), undefined);
  assert.equal(missingPlannerFixes({ major: 16, minor: 1 }), '16.2');
  assert.equal(missingPlannerFixes({ major: 17, minor: 0 }), '17.1');
  assert.equal(missingPlannerFixes({ major: 18, minor: 0 }), undefined);
  assert.equal(pastEndOfLife({ major: 13, minor: 20 }, new Date('2026-11-28')), '2025-11-13');
  assert.equal(pastEndOfLife({ major: 15, minor: 20 }, new Date('2026-11-28')), undefined);
});

test('optdb doctor exits 2 when the server is unreachable, and says why', async () => {
  const port = await freePort();
  const result = await runCli(['doctor', '--json'], { DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/postgres` });
  assert.equal(result.code, 2, result.stderr);
  const report = JSON.parse(result.stdout) as { ok: boolean; checks: { id: string; status: string }[] };
  assert.equal(report.ok, false);
  assert.deepEqual(report.checks.map((check) => [check.id, check.status]).slice(0, 1), [['connectivity', 'fail']]);
  assert.ok(
    report.checks.slice(1).every((check) => check.status === 'fail'),
    'the other families are reported as not checked',
  );
});
