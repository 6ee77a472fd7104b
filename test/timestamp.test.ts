import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoToMicros, microsToIso, newYorkDate, parseResolution, truncateMicros } from '../src/domain/timestamp.js';

test('nanoseconds beyond 2^53 become microsecond ISO text without rounding', () => {
  const nanos = 1689174023516476700n; // > Number.MAX_SAFE_INTEGER
  assert.equal(microsToIso(nanos / 1000n), '2023-07-12T15:00:23.516476Z');
  assert.equal(microsToIso(0n), '1970-01-01T00:00:00.000000Z');
});

test('--captured-at accepts ISO times with a zone and keeps microseconds', () => {
  assert.equal(isoToMicros('2025-11-20T20:00:00Z'), 1763668800000000n);
  assert.equal(isoToMicros('2025-11-20T15:00:00.123456-05:00'), 1763668800123456n);
  assert.equal(isoToMicros('2025-11-20T20:00:00.1234567Z'), 1763668800123456n);
  for (const bad of ['2025-11-20', '2025-11-20T20:00:00', 'yesterday', '2025-13-20T20:00:00Z']) {
    assert.equal(isoToMicros(bad), undefined, bad);
  }
});

test('resolutions and truncation', () => {
  assert.equal(parseResolution('1m'), 60_000_000n);
  assert.equal(parseResolution('5m'), 300_000_000n);
  assert.equal(parseResolution('1d'), 86_400_000_000n);
  for (const bad of ['0m', 'm', '5', '1w', '-1m']) assert.equal(parseResolution(bad), undefined, bad);
  assert.equal(truncateMicros(1763668859999999n, 60_000_000n), 1763668800000000n);
  assert.equal(truncateMicros(-1n, 60_000_000n), -60_000_000n, 'before 1970 truncates downwards');
});

test('the New York trading day follows daylight saving time', () => {
  assert.equal(newYorkDate(1763614800000000000n), '2025-11-20'); // EST midnight
  assert.equal(newYorkDate(1751342400000000000n), '2025-07-01'); // EDT midnight
  assert.equal(newYorkDate(1751342399999999999n), '2025-06-30');
});
