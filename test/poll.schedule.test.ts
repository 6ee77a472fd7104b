import assert from 'node:assert/strict';
import { syncBuiltinESMExports } from 'node:module';
import { mock, test } from 'node:test';
import { OptdbError } from '../src/errors.js';
import { nextCycleAt, parseEvery, sleepUntil } from '../src/poll/poll-schedule.js';

const at = (iso: string): Date => new Date(iso);
const FIVE_MINUTES = 300_000;
const HOUR = 3_600_000;

test('--every takes whole seconds, minutes, hours or days, from 1s to 1d', () => {
  assert.equal(parseEvery('30s'), 30_000);
  assert.equal(parseEvery('5m'), FIVE_MINUTES);
  assert.equal(parseEvery('1h'), HOUR);
  assert.equal(parseEvery('1d'), 86_400_000);
  for (const bad of ['0s', '500ms', '2d', '5', 'm', '-5m', '1.5m', '']) {
    assert.throws(
      () => parseEvery(bad),
      (error: unknown) =>
        error instanceof OptdbError &&
        error.code === 'CONFIG_INVALID' &&
        error.message.includes('--every') &&
        error.message.includes(`\`${bad}\``),
      bad,
    );
  }
});

test('cycles sit on wall-clock multiples of the step', () => {
  const always = { everyMs: FIVE_MINUTES, marketHours: false };
  assert.equal(nextCycleAt(at('2026-03-14T12:03:10Z'), always).toISOString(), '2026-03-14T12:05:00.000Z');
  assert.equal(nextCycleAt(at('2026-03-14T12:03:10Z'), { everyMs: 30_000, marketHours: false }).toISOString(), '2026-03-14T12:03:30.000Z');
  assert.equal(nextCycleAt(at('2026-03-14T12:03:10Z'), { everyMs: HOUR, marketHours: false }).toISOString(), '2026-03-14T13:00:00.000Z');
  // Without --market-hours a Saturday is polled like any other day.
  assert.equal(nextCycleAt(at('2026-03-14T23:58:00Z'), always).toISOString(), '2026-03-15T00:00:00.000Z');
});

test('on a boundary the cycle is now; after a cycle, the next multiple', () => {
  const always = { everyMs: FIVE_MINUTES, marketHours: false };
  const boundary = at('2026-03-14T12:05:00Z');
  assert.equal(nextCycleAt(boundary, always).toISOString(), '2026-03-14T12:05:00.000Z');
  // A cycle that took no measurable time is not repeated.
  assert.equal(nextCycleAt(boundary, { ...always, previous: boundary }).toISOString(), '2026-03-14T12:10:00.000Z');
  // A cycle that overran its step skips the missed multiples rather than running them late.
  assert.equal(nextCycleAt(at('2026-03-14T12:11:30Z'), { ...always, previous: boundary }).toISOString(), '2026-03-14T12:15:00.000Z');
});

test('--market-hours keeps the grid inside a session and jumps to the next open outside it', () => {
  const hours = { everyMs: FIVE_MINUTES, marketHours: true };
  // Tuesday 2026-03-10, daylight time (UTC−4): 10:03:10 → 10:05.
  assert.equal(nextCycleAt(at('2026-03-10T14:03:10Z'), hours).toISOString(), '2026-03-10T14:05:00.000Z');
  // 15:58 → 16:00 is closed → Wednesday 09:30.
  assert.equal(nextCycleAt(at('2026-03-10T19:58:00Z'), hours).toISOString(), '2026-03-11T13:30:00.000Z');
  // 15:55 is the last cycle of the day.
  assert.equal(nextCycleAt(at('2026-03-10T19:54:59Z'), hours).toISOString(), '2026-03-10T19:55:00.000Z');
  // Before the open → the open, which is on the 5m grid.
  assert.equal(nextCycleAt(at('2026-03-10T11:00:00Z'), hours).toISOString(), '2026-03-10T13:30:00.000Z');
  // Saturday → Monday's open.
  assert.equal(nextCycleAt(at('2026-03-14T15:00:00Z'), hours).toISOString(), '2026-03-16T13:30:00.000Z');
  // The day after Thanksgiving closes at 13:00 EST → Monday's open.
  assert.equal(nextCycleAt(at('2026-11-27T17:58:00Z'), hours).toISOString(), '2026-11-30T14:30:00.000Z');
});

test('a step that does not divide 09:30 runs at the open, then returns to its grid', () => {
  const hourly = { everyMs: HOUR, marketHours: true };
  const open = nextCycleAt(at('2026-03-10T12:10:00Z'), hourly); // 08:10 → 09:00 is closed
  assert.equal(open.toISOString(), '2026-03-10T13:30:00.000Z');
  assert.equal(nextCycleAt(open, { ...hourly, previous: open }).toISOString(), '2026-03-10T14:00:00.000Z');
  // A daily step never lands inside a session: it polls once a day, at the open.
  const daily = { everyMs: 86_400_000, marketHours: true };
  const first = nextCycleAt(at('2026-03-10T15:00:00Z'), daily);
  assert.equal(first.toISOString(), '2026-03-11T13:30:00.000Z');
  assert.equal(nextCycleAt(first, { ...daily, previous: first }).toISOString(), '2026-03-12T13:30:00.000Z');
});

test('sleepUntil resolves true once the wall clock has reached the time, never before, in slices', async () => {
  assert.equal(await sleepUntil(at('2020-01-01T00:00:00Z')), true, 'a time in the past');
  // A fake clock for Date and the timers. sleepUntil waits with node:timers/promises'
  // setTimeout, imported by name: syncBuiltinESMExports hands it the mocked one (and back).
  const start = at('2026-03-10T14:00:00Z').getTime();
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: start });
  syncBuiltinESMExports();
  try {
    let woke = false;
    const sleeping = sleepUntil(new Date(start + 90_000)).then((reached) => ((woke = true), reached));
    const advance = async (ms: number): Promise<boolean> => {
      mock.timers.tick(ms);
      await new Promise((resolve) => setImmediate(resolve)); // let the sleeper react
      return woke;
    };
    // A first slice of 60 s, then the wall clock is read again and the rest waited.
    assert.equal(await advance(59_999), false);
    assert.equal(await advance(1), false, 'woke at the end of the first slice');
    assert.equal(await advance(29_999), false, 'woke before the target');
    assert.equal(await advance(1), true, 'did not wake at the target');
    assert.equal(await sleeping, true);
    assert.equal(Date.now(), start + 90_000);
  } finally {
    mock.timers.reset();
    syncBuiltinESMExports();
  }
});

test('sleepUntil resolves false when aborted, before or during the wait', async () => {
  const far = new Date(Date.now() + 86_400_000);
  assert.equal(await sleepUntil(far, AbortSignal.abort()), false);
  const controller = new AbortController();
  const sleeping = sleepUntil(far, controller.signal);
  setImmediate(() => controller.abort());
  assert.equal(await sleeping, false);
});
