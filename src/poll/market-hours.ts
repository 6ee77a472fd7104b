/**
 * US equity-options regular trading hours: 09:30–16:00 America/New_York on exchange
 * trading days, 13:00 on early-close days. A session is the half-open interval
 * [open, close): at 16:00:00 the market is closed.
 *
 * Holidays come from `nyse-holidays`, with two corrections (checked against the NYSE
 * calendars for 2025–2027):
 * - only its `dateString` is used. Its `date` is local midnight of the *process* time zone
 *   and its `isHoliday(date)` compares `toDateString()` in that zone, so under
 *   TZ=America/Los_Angeles `isHoliday(new Date('2026-07-03'))` is false. The package's
 *   date strings themselves do not depend on the zone.
 * - it knows only the rule-based holidays, not closings proclaimed for one occasion
 *   (national days of mourning, storms): those are in UNSCHEDULED_CLOSINGS below.
 * It has no early closes at all; the rule for them is written out in closeHour().
 *
 * Wall time → UTC follows the US daylight-saving rules (domain/new-york-time.ts), so the
 * March and November offset changes are kept.
 */
import { getHolidays } from 'nyse-holidays';
import { dayNumber, isCalendarDate, isoDate, weekday } from '../domain/calendar-date.js';
import { newYorkMidnightNs } from '../domain/new-york-time.js';
import { newYorkDate } from '../domain/timestamp.js';

export interface MarketSession {
  /** The New York calendar date, YYYY-MM-DD. */
  readonly date: string;
  readonly open: Date;
  /** 16:00 New York time, or 13:00 on an early-close day. */
  readonly close: Date;
  readonly earlyClose: boolean;
}

// Whole-market closings that no calendar rule produces. Only the ones since 2012 are
// listed: a poller looks at today and the days ahead, and nothing older matters to it.
// When the exchanges proclaim a new one, add it here.
const UNSCHEDULED_CLOSINGS: ReadonlySet<string> = new Set([
  '2012-10-29', // Hurricane Sandy
  '2012-10-30', // Hurricane Sandy
  '2018-12-05', // National Day of Mourning, President George H. W. Bush
  '2025-01-09', // National Day of Mourning, President Jimmy Carter
]);

const OPEN_MINUTES = 9 * 60 + 30;
const REGULAR_CLOSE_HOUR = 16;
const EARLY_CLOSE_HOUR = 13;
// The longest closure in recent memory, 11–16 September 2001 with its weekend, was 6
// days; a month without a session means the calendar itself is broken.
const MAX_DAYS_WITHOUT_SESSION = 31;

const holidaysByYear = new Map<number, ReadonlySet<string>>();

function holidays(year: number): ReadonlySet<string> {
  let set = holidaysByYear.get(year);
  if (!set) {
    set = new Set(getHolidays(year).map((holiday) => holiday.dateString));
    holidaysByYear.set(year, set);
  }
  return set;
}

/** Whether the exchanges are open at all on a New York calendar date (YYYY-MM-DD). */
function isTradingDay(date: string): boolean {
  const day = weekday(dayNumber(date));
  if (day === 0 || day === 6) return false;
  return !holidays(Number(date.slice(0, 4))).has(date) && !UNSCHEDULED_CLOSINGS.has(date);
}

/** The regular session on a New York calendar date, or undefined when the market is closed all day. */
export function tradingSession(date: string): MarketSession | undefined {
  if (!isCalendarDate(date)) throw new RangeError(`tradingSession: expected a YYYY-MM-DD date, got ${JSON.stringify(date)}`);
  if (!isTradingDay(date)) return undefined;
  const closeHour = closingHour(date);
  return {
    date,
    open: newYorkWallTime(date, OPEN_MINUTES),
    close: newYorkWallTime(date, closeHour * 60),
    earlyClose: closeHour === EARLY_CLOSE_HOUR,
  };
}

/** The session of the New York calendar day containing `at`, whether or not `at` falls inside it. */
export function sessionOf(at: Date): MarketSession | undefined {
  return tradingSession(newYorkDateOf(at));
}

export function isRegularTradingHours(at: Date): boolean {
  const session = sessionOf(at);
  return session !== undefined && at >= session.open && at < session.close;
}

/**
 * The earliest instant at or after `at` at which the market is open: `at` itself when it
 * falls inside a session, otherwise the open of the next session. A scheduler can ask
 * this of any candidate time and poll at the answer.
 */
export function nextSessionOpen(at: Date): Date {
  let date = newYorkDateOf(at);
  for (let i = 0; i <= MAX_DAYS_WITHOUT_SESSION; i += 1) {
    const session = tradingSession(date);
    if (session && at < session.close) return at >= session.open ? at : session.open;
    date = isoDate(dayNumber(date) + 1);
  }
  throw new Error(`No trading session within ${MAX_DAYS_WITHOUT_SESSION} days after ${at.toISOString()}`);
}

/**
 * The exchanges close at 13:00 on three days a year — the package has no notion of early
 * closes, and the rule is short enough to state here: the day before Independence Day
 * (3 July, when it is a trading day: not when 4 July falls on a Saturday and 3 July is
 * the observed holiday), the day after Thanksgiving, and Christmas Eve when it is a
 * trading day. Equity options stop with the stocks; some index options trade to 13:15,
 * which this regular-hours view does not model.
 */
function closingHour(date: string): number {
  const month = Number(date.slice(5, 7));
  const dayInMonth = Number(date.slice(8, 10));
  const isFriday = weekday(dayNumber(date)) === 5;
  // Thanksgiving is the fourth Thursday, the 22nd–28th; the Friday after it is the only
  // Friday of November between the 23rd and the 29th.
  const afterThanksgiving = month === 11 && isFriday && dayInMonth >= 23 && dayInMonth <= 29;
  const early = (month === 7 && dayInMonth === 3) || afterThanksgiving || (month === 12 && dayInMonth === 24);
  return early ? EARLY_CLOSE_HOUR : REGULAR_CLOSE_HOUR;
}

/** The New York calendar date (YYYY-MM-DD) of an instant. */
export function newYorkDateOf(at: Date): string {
  return newYorkDate(BigInt(at.getTime()) * 1_000_000n);
}

/**
 * The instant at which New York clocks show `minutes` past midnight on `date`; the
 * offset of midnight holds, as clocks change only at 02:00 on Sundays.
 */
function newYorkWallTime(date: string, minutes: number): Date {
  return new Date(Number(newYorkMidnightNs(date) / 1_000_000n) + minutes * 60_000);
}
