import assert from 'node:assert/strict';
import { test } from 'node:test';
import PQueue from 'p-queue';
import { AdaptiveLimit } from '../src/write/adaptive-limit.js';

test('overload lowers the limit by at most the fraction per step, never below one', () => {
  const queue = new PQueue({ concurrency: 100 });
  const limit = new AdaptiveLimit(queue, { max: 100, decreaseFraction: 0.25, increaseAfter: 3 });
  const steps: number[] = [];
  for (let i = 0; i < 20; i++) {
    limit.onOverload();
    steps.push(queue.concurrency);
  }
  assert.deepEqual(steps.slice(0, 4), [75, 57, 43, 33]);
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i - 1]! - steps[i]! <= Math.max(1, Math.floor(steps[i - 1]! * 0.25)));
  assert.equal(steps.at(-1), 1);
});

test('health raises the limit by one per run of good batches, up to the configured maximum', () => {
  const queue = new PQueue({ concurrency: 4 });
  const limit = new AdaptiveLimit(queue, { max: 5, decreaseFraction: 0.25, increaseAfter: 3 });
  limit.onOverload(); // 4 → 3
  assert.equal(limit.current, 3);
  for (let i = 0; i < 2; i++) limit.onSuccess();
  assert.equal(limit.current, 3, 'not before a full run of good batches');
  limit.onSuccess();
  assert.equal(limit.current, 4);
  limit.onSuccess();
  limit.onOverload(); // an overload resets the run
  limit.onSuccess();
  limit.onSuccess();
  assert.equal(limit.current, 3);
  for (let i = 0; i < 30; i++) limit.onSuccess();
  assert.equal(limit.current, 5, 'never above the maximum');
});
