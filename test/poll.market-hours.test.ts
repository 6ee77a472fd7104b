import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { isRegularTradingHours, newYorkDateOf, nextSessionOpen, sessionOf, tradingSession } from '../src/poll/market-hours.js';
import { dayNumber, isoDate, weekday } from '../src/domain/calendar-date.js';

const at = (iso: string): Date => new Date(iso);

/** Every weekday of `year` without a session, and every session that closes early. */
function calendar(year: number): { closed: string[]; early: string[] } {
  const closed: string[] = [];
  const early: string[] = [];
  for (let day = dayNumber(`${year}-01-01`); day <= dayNumber(`${year}-12-31`); day += 1) {
    const date = isoDate(day);
    const session = tradingSession(date);
    if (!session && weekday(day) !== 0 && weekday(day) !== 6) closed.push(date);
    if (session?.earlyClose) early.push(date);
  }
  return { closed, early };
}

test('a regular Tuesday: open from 09:30 up to, not including, 16:00 New York time', () => {
  // 2026-03-10 is in daylight time: New York is UTC−4.
  assert.equal(isRegularTradingHours(at('2026-03-10T14:00:00Z')), true, '10:00');
  assert.equal(isRegularTradingHours(at('2026-03-10T13:29:59.999Z')), false, '09:29:59.999');
  assert.equal(isRegularTradingHours(at('2026-03-10T13:30:00Z')), true, '09:30 sharp');
  assert.equal(isRegularTradingHours(at('2026-03-10T19:59:59.999Z')), true, '15:59:59.999');
  assert.equal(isRegularTradingHours(at('2026-03-10T20:00:00Z')), false, '16:00 sharp');
  assert.deepEqual(tradingSession('2026-03-10'), {
    date: '2026-03-10',
    open: at('2026-03-10T13:30:00Z'),
    close: at('2026-03-10T20:00:00Z'),
    earlyClose: false,
  });
});

test('weekends are closed', () => {
  assert.equal(tradingSession('2026-03-14'), undefined); // Saturday
  assert.equal(tradingSession('2026-03-15'), undefined); // Sunday
  assert.equal(isRegularTradingHours(at('2026-03-14T15:00:00Z')), false);
});

test('the 2025 and 2026 NYSE holidays, including the observed ones and the 2025 day of mourning', () => {
  assert.deepEqual(calendar(2025).closed, [
    '2025-01-01',
    '2025-01-09', // National Day of Mourning (President Carter): not in nyse-holidays
    '2025-01-20',
    '2025-02-17',
    '2025-04-18', // Good Friday
    '2025-05-26',
    '2025-06-19',
    '2025-07-04',
    '2025-09-01',
    '2025-11-27',
    '2025-12-25',
  ]);
  assert.deepEqual(calendar(2026).closed, [
    '2026-01-01',
    '2026-01-19',
    '2026-02-16',
    '2026-04-03', // Good Friday
    '2026-05-25',
    '2026-06-19', // Juneteenth
    '2026-07-03', // Independence Day falls on a Saturday: observed Friday
    '2026-09-07',
    '2026-11-26', // Thanksgiving
    '2026-12-25',
  ]);
  assert.equal(isRegularTradingHours(at('2026-04-03T15:00:00Z')), false, 'Good Friday 11:00');
  assert.equal(isRegularTradingHours(at('2026-11-26T16:00:00Z')), false, 'Thanksgiving 11:00');
});

test('early closes at 13:00: the day before Independence Day, the day after Thanksgiving, Christmas Eve', () => {
  assert.deepEqual(calendar(2025).early, ['2025-07-03', '2025-11-28', '2025-12-24']);
  // 3 July 2026 is itself the observed holiday, so 2 July closes at the usual time.
  assert.deepEqual(calendar(2026).early, ['2026-11-27', '2026-12-24']);
  // 24 December 2027 is the observed Christmas holiday; 3 July 2027 is a Saturday.
  assert.deepEqual(calendar(2027).early, ['2027-11-26']);

  const dayAfterThanksgiving = tradingSession('2026-11-27');
  assert.equal(dayAfterThanksgiving?.close.toISOString(), '2026-11-27T18:00:00.000Z'); // 13:00 EST
  assert.equal(isRegularTradingHours(at('2026-11-27T17:59:59Z')), true, '12:59:59');
  assert.equal(isRegularTradingHours(at('2026-11-27T18:00:00Z')), false, '13:00');
  assert.equal(tradingSession('2025-07-03')?.close.toISOString(), '2025-07-03T17:00:00.000Z'); // 13:00 EDT
  assert.equal(tradingSession('2026-07-02')?.close.toISOString(), '2026-07-02T20:00:00.000Z');
});

test('the open follows the daylight-saving changes in March and November', () => {
  // Clocks go forward on Sunday 2026-03-08 and back on Sunday 2026-11-01.
  assert.equal(tradingSession('2026-03-06')?.open.toISOString(), '2026-03-06T14:30:00.000Z'); // EST
  assert.equal(tradingSession('2026-03-09')?.open.toISOString(), '2026-03-09T13:30:00.000Z'); // EDT
  assert.equal(tradingSession('2026-10-30')?.open.toISOString(), '2026-10-30T13:30:00.000Z'); // EDT
  assert.equal(tradingSession('2026-11-02')?.open.toISOString(), '2026-11-02T14:30:00.000Z'); // EST
  assert.equal(tradingSession('2026-11-02')?.close.toISOString(), '2026-11-02T21:00:00.000Z');
  assert.equal(isRegularTradingHours(at('2026-03-06T14:00:00Z')), false, '09:00 EST');
  assert.equal(isRegularTradingHours(at('2026-03-09T14:00:00Z')), true, '10:00 EDT');
});

test('the session of an instant is that of its New York calendar day', () => {
  assert.equal(newYorkDateOf(at('2026-03-11T03:59:59Z')), '2026-03-10'); // 23:59:59 EDT
  assert.equal(newYorkDateOf(at('2026-03-11T04:00:00Z')), '2026-03-11');
  assert.equal(sessionOf(at('2026-03-11T02:00:00Z'))?.date, '2026-03-10');
  assert.equal(sessionOf(at('2026-03-14T15:00:00Z')), undefined);
});

test('nextSessionOpen: the instant itself inside a session, else the next open', () => {
  const inside = at('2026-03-10T15:00:00Z');
  assert.equal(nextSessionOpen(inside).getTime(), inside.getTime());
  assert.equal(nextSessionOpen(at('2026-03-10T13:30:00Z')).toISOString(), '2026-03-10T13:30:00.000Z', 'at the open');
  assert.equal(nextSessionOpen(at('2026-03-10T05:00:00Z')).toISOString(), '2026-03-10T13:30:00.000Z', 'before the open');
  assert.equal(nextSessionOpen(at('2026-03-10T20:00:00Z')).toISOString(), '2026-03-11T13:30:00.000Z', 'at the close');
  // Thursday before Good Friday, after the close → Monday, across the long weekend.
  assert.equal(nextSessionOpen(at('2026-04-02T20:00:00Z')).toISOString(), '2026-04-06T13:30:00.000Z');
  // Friday before Memorial Day → Tuesday.
  assert.equal(nextSessionOpen(at('2026-05-22T21:00:00Z')).toISOString(), '2026-05-26T13:30:00.000Z');
  // The eve of Thanksgiving → the (early-closing) Friday, in standard time.
  assert.equal(nextSessionOpen(at('2026-11-25T22:00:00Z')).toISOString(), '2026-11-27T14:30:00.000Z');
  // After an early close → Monday.
  assert.equal(nextSessionOpen(at('2026-11-27T18:00:00Z')).toISOString(), '2026-11-30T14:30:00.000Z');
  // Christmas Eve early close → the Saturday and Christmas are skipped → Monday 28th.
  assert.equal(nextSessionOpen(at('2026-12-24T18:30:00Z')).toISOString(), '2026-12-28T14:30:00.000Z');
});

test('a malformed date is a programming error', () => {
  assert.throws(() => tradingSession('2026-02-30'), RangeError);
  assert.throws(() => tradingSession('26-03-10'), RangeError);
});

test('the calendar does not depend on the process time zone', () => {
  // nyse-holidays builds its dates at local midnight of the process time zone; only its
  // date strings are safe to use. Run the module under zones on both sides of UTC.
  const moduleUrl = pathToFileURL(new URL('../src/poll/market-hours.ts', import.meta.url).pathname).href;
  const script = `const m = await import(${JSON.stringify(moduleUrl)});
    console.log(JSON.stringify(['2026-07-03', '2026-07-02', '2026-04-03', '2026-12-24'].map((d) => m.tradingSession(d)?.close ?? null)));`;
  const expected = JSON.stringify([null, '2026-07-02T20:00:00.000Z', null, '2026-12-24T18:00:00.000Z']);
  for (const zone of ['America/Los_Angeles', 'Pacific/Kiritimati', 'UTC']) {
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, TZ: zone },
      encoding: 'utf8',
    });
    assert.equal(output.trim(), expected, zone);
  }
});
