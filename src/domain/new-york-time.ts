/**
 * New York wall-clock time from US daylight-saving rules rather than Intl: the rules are
 * fixed by law, and the result must not depend on the ICU data Node was built with.
 * Clocks change at 02:00 on a Sunday, so the offset at a day's midnight holds for all of
 * that day's trading hours.
 */
import { SUNDAY, dayNumber, isoDate, lastWeekday, nthWeekday } from './calendar-date.js';

const NS_PER_HOUR = 3_600n * 1_000_000_000n;

/** 00:00 New York time on `date` (YYYY-MM-DD), as Unix nanoseconds. */
export function newYorkMidnightNs(date: string): bigint {
  const day = dayNumber(date);
  const offsetHours = BigInt(newYorkUtcOffsetHours(day));
  return BigInt(day) * 24n * NS_PER_HOUR - offsetHours * NS_PER_HOUR;
}

/** −4 (EDT) or −5 (EST) at 00:00 local time on `day` (days since 1970-01-01). */
export function newYorkUtcOffsetHours(day: number): number {
  const year = Number(isoDate(day).slice(0, 4));
  // Energy Policy Act of 2005 from 2007; the 1987 rules before.
  const start = year >= 2007 ? nthWeekday(year, 3, SUNDAY, 2) : nthWeekday(year, 4, SUNDAY, 1);
  const end = year >= 2007 ? nthWeekday(year, 11, SUNDAY, 1) : lastWeekday(year, 10, SUNDAY);
  // At midnight of the start Sunday it is still standard time, at midnight of the end
  // Sunday still daylight time: both changes happen at 02:00.
  return day > start && day <= end ? -4 : -5;
}
