/**
 * The regular US options session of one day, 09:30–16:00 America/New_York, as Unix
 * nanoseconds. Nanoseconds exceed Number.MAX_SAFE_INTEGER, so absolute times are BigInt;
 * only offsets within the day (< 2^53 ns) are plain numbers.
 *
 * New York's UTC offset comes from the US daylight-saving rules rather than Intl: the
 * rules are fixed by law, and the output must not depend on the ICU data Node was built
 * with. Clocks change at 02:00 on a Sunday, so the offset at a weekday's midnight holds for
 * the whole session.
 */
import { SUNDAY, dayNumber, isoDate, lastWeekday, nthWeekday, weekday } from '../domain/calendar-date.js';

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_HOUR = 3_600n * NS_PER_SECOND;

/** 6.5 hours in nanoseconds; below 2^53, so exact as a number. */
export const SESSION_LENGTH_NS = 23_400 * 1e9;

export interface TradingSession {
  readonly date: string;
  /** 00:00 New York time on `date`: the `window_start` of day aggregates. */
  readonly midnightNs: bigint;
  /** 09:30 New York time. */
  readonly openNs: bigint;
  /** Calendar days back to the previous weekday (3 on a Monday), for previous closes. */
  readonly daysSincePreviousSession: number;
}

export function tradingSession(date: string): TradingSession {
  const day = dayNumber(date);
  const midnightNs = newYorkMidnightNs(date);
  const back = weekday(day) === 1 ? 3 : weekday(day) === SUNDAY ? 2 : 1;
  return {
    date,
    midnightNs,
    openNs: midnightNs + 9n * NS_PER_HOUR + 30n * 60n * NS_PER_SECOND,
    daysSincePreviousSession: back,
  };
}

/** A moment of the session, `fraction` (0..1) of the way from 09:30 to 16:00. */
export function sessionTimeNs(session: TradingSession, fraction: number): bigint {
  const offset = Math.min(SESSION_LENGTH_NS - 1, Math.max(0, Math.floor(fraction * SESSION_LENGTH_NS)));
  return session.openNs + BigInt(offset); // never 16:00:00 itself: the session is [09:30, 16:00)
}

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
