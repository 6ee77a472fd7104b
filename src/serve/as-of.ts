/**
 * `as_of` as the exclusive upper bound the queries read below, in microseconds since the
 * Unix epoch (optdb's timestamps are microseconds): a day means up to its end in New York,
 * an instant means up to and including that microsecond.
 */
import { dayNumber, isCalendarDate, isoDate } from '../domain/calendar-date.js';
import { newYorkMidnightNs } from '../domain/new-york-time.js';
import { isoToMicros } from '../domain/timestamp.js';

export function asOfBound(asOf: string): bigint {
  if (isCalendarDate(asOf)) return newYorkMidnightNs(isoDate(dayNumber(asOf) + 1)) / 1000n;
  const micros = isoToMicros(asOf);
  if (micros === undefined) throw new Error(`as_of ${asOf} passed validation but is not a time`);
  return micros + 1n;
}
