/**
 * One bad record never stops a poll: a result with an absurd timestamp is rejected with
 * its reason and the cycle stores the rest; a page the client cannot parse (a result
 * nested deeper than the stack) fails its underlying for the cycle, as a malformed page,
 * and the others go on. The next cycle runs the same way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PolygonClient } from '../src/api/polygon-client.js';
import { pollWriteBuffer } from '../src/write/snapshot-buffer.js';
import { type CycleReject, runCycle } from '../src/poll/poll-cycle.js';
import { createStrategy } from '../src/write/create-strategy.js';
import { connectMigratedDatabase } from './harness/connected-database.js';
import { sampleChain } from './harness/polygon-fixtures.js';
import { PolygonServer } from './harness/polygon-server.js';

const KEY = 'hostile-poll-key-93a';
const MINUTE = 60_000_000n;

test('an absurd timestamp is rejected and a page nested 50,000 deep fails its underlying; the cycle ends normally, twice', async (t) => {
  const [first, second] = sampleChain('IWM', 2);
  const [third] = sampleChain('QQQ', 1);
  const absurd = second!.replace(/("last_quote":\{[^}]*"last_updated":)\d+/, '$11000000000000000000000000000000');
  assert.notEqual(absurd, second);
  const deep = third!.replace('"details":{', `"deep":${'['.repeat(50_000)}${']'.repeat(50_000)},"details":{`);
  const server = await PolygonServer.start({ apiKey: KEY, chains: { IWM: [first!, absurd], QQQ: [deep] } });
  const db = await connectMigratedDatabase('poll_hostile');
  const client = new PolygonClient({
    apiKey: KEY,
    baseUrl: server.baseUrl,
    requestsPerSecond: 1000,
    retry: { retries: 1, minDelayMs: 10, maxDelayMs: 20 },
  });
  const buffer = pollWriteBuffer(createStrategy('copy', db.pool, db.prisma), MINUTE, { maxDelayMs: 5 });
  t.after(async () => {
    await buffer.close();
    client.close();
    await server.close();
    await db.close();
  });

  for (const at of [new Date('2026-11-27T15:05:00Z'), new Date('2026-11-27T15:10:00Z')]) {
    const rejects: CycleReject[] = [];
    const result = await runCycle(at, ['IWM', 'QQQ'], {
      client,
      buffer,
      resolutionMicros: MINUTE,
      underlyingConcurrency: 2,
      onReject: (reject) => void rejects.push(reject),
    });
    assert.deepEqual([result.rowsWritten, result.rejected, result.interrupted], [1, 1, false]);
    assert.deepEqual(
      rejects.map((r) => [r.underlying, r.position]),
      [['IWM', 2]],
    );
    assert.match(rejects[0]!.reason, /bad last_quote\.last_updated: 1000000000000000000000000000000 is after 2100/);
    assert.deepEqual(
      result.failed.map((f) => f.underlying),
      ['QQQ'],
    );
    assert.match(result.failed[0]!.reason, /the body is not JSON \(Maximum call stack size exceeded/);
  }
  const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM option_snapshots');
  assert.equal(rows[0]!.n, 2, 'one row per cycle');
});
