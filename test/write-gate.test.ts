import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GateEvent, WriteGate } from '../src/write/write-gate.js';

/** A task that runs until `release()` is called. */
function heldTask() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { task: () => done, release };
}

test('overload lowers the limit by at most the step fraction, never below one', () => {
  const gate = new WriteGate({ limit: 100, stepFraction: 0.25 });
  const limits: number[] = [];
  for (let i = 0; i < 20; i++) {
    gate.onOverload();
    limits.push(gate.limit);
  }
  assert.deepEqual(limits.slice(0, 4), [75, 57, 43, 33]);
  // Each step is exactly the fraction of the limit it starts from (rounded down), at least one.
  for (let i = 1; i < limits.length; i++) {
    const from = limits[i - 1]!;
    assert.equal(limits[i], Math.max(1, from - Math.max(1, Math.floor(from * 0.25))), `step ${i} from ${from}`);
  }
  assert.equal(limits.at(-1), 1);
});

test('health raises the limit by one per run of good writes, never above the requested limit', () => {
  const gate = new WriteGate({ limit: 4, stepFraction: 0.25, increaseAfter: 3 });
  gate.onOverload(); // 4 → 3
  assert.equal(gate.limit, 3);
  gate.onSuccess();
  gate.onSuccess();
  assert.equal(gate.limit, 3, 'not before a full run of good writes');
  gate.onSuccess();
  assert.equal(gate.limit, 4);
  for (let i = 0; i < 30; i++) gate.onSuccess();
  assert.equal(gate.limit, 4, 'never above the requested limit');
});

test('a requested change is applied in steps no larger than the fraction, one per interval: 700 → 500 → 300 → 100', (t) => {
  // A fake clock: the gate paces its ramp with setInterval, so every step is taken exactly
  // when the clock passes an interval, never sooner, whatever the machine's load.
  t.mock.timers.enable({ apis: ['setInterval'] });
  const events: GateEvent[] = [];
  const gate = new WriteGate({ limit: 700, stepFraction: 2 / 7, stepIntervalMs: 40, onEvent: (event) => events.push(event) });
  gate.requestLimit(100);
  // [ms on the clock, limit] at each change: the first step at once, the next ones 40 ms apart.
  const reached = [[0, gate.limit]];
  for (let ms = 1; ms <= 200; ms++) {
    t.mock.timers.tick(1);
    if (gate.limit !== reached.at(-1)![1]) reached.push([ms, gate.limit]);
  }
  assert.deepEqual(reached, [
    [0, 500],
    [40, 300],
    [80, 100],
  ]);
  assert.equal(gate.target, 100);
  assert.deepEqual(
    events.map((event) => event.kind === 'limit' && [event.from, event.to, event.reason]),
    [
      [700, 500, 'requested'],
      [500, 300, 'requested'],
      [300, 100, 'requested'],
    ],
  );
  gate.close();
});

test('a ramp upward stops at an overload; the limit then recovers one by one', async () => {
  const gate = new WriteGate({ limit: 10, stepFraction: 0.5, stepIntervalMs: 10_000, increaseAfter: 1 });
  gate.requestLimit(40); // 10 → 15 now, the next step in 10 s
  assert.equal(gate.limit, 15);
  gate.onOverload(); // 15 → 8, the ramp ends
  assert.equal(gate.limit, 8);
  gate.onSuccess();
  assert.equal(gate.limit, 9);
  gate.close();
});

test('queue pressure above 5x the limit is reported once per episode', async () => {
  const events: GateEvent[] = [];
  const gate = new WriteGate({ limit: 2, onEvent: (event) => events.push(event) });
  const held = Array.from({ length: 13 }, () => heldTask());
  const runs = held.map((h) => gate.run(h.task));
  assert.equal(gate.inFlight, 2);
  assert.equal(gate.queued, 11);
  const pressure = events.filter((event) => event.kind === 'queue-pressure');
  assert.deepEqual(pressure, [{ kind: 'queue-pressure', queued: 11, limit: 2 }], 'reported when the queue passed 10, not again at 11');
  assert.equal(gate.pressureWarnings, 1);

  for (const h of held) h.release();
  await Promise.all(runs);
  const again = Array.from({ length: 13 }, () => heldTask());
  const moreRuns = again.map((h) => gate.run(h.task));
  assert.equal(gate.pressureWarnings, 2, 'a new episode after the queue drained');
  for (const h of again) h.release();
  await Promise.all(moreRuns);
  await gate.idle();
});

test('bad settings are refused naming the value', () => {
  assert.throws(() => new WriteGate({ limit: 4, stepFraction: 0 }), /stepFraction.*`0`/);
  assert.throws(() => new WriteGate({ limit: 4 }).requestLimit(0), /limit >= 1.*`0`/);
});
