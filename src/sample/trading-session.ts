/**
 * The regular US options session of one day, 09:30–16:00 America/New_York, as Unix
 * nanoseconds. Nanoseconds exceed Number.MAX_SAFE_INTEGER, so absolute times are BigInt;
 * only offsets within the day (< 2^53 ns) are plain numbers.
 * New York's wall time comes from domain/new-york-time.ts.
 */
import { SUNDAY, dayNumber, weekday } from '../domain/calendar-date.js';
import { newYorkMidnightNs } from '../domain/new-york-time.js';

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
