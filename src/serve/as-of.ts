/**
 * `as_of`, and the ends of a time range, as the bounds the queries read between, in
 * microseconds since the Unix epoch (optdb's timestamps are microseconds). An end is
 * included: a day means up to its end in New York, an instant up to and including that
 * microsecond; a start is included too: a day from its beginning in New York.
 */
import { dayNumber, isCalendarDate, isoDate } from '../domain/calendar-date.js';
import { newYorkMidnightNs } from '../domain/new-york-time.js';
import { isoToMicros } from '../domain/timestamp.js';

/** Beyond any stored time (optdb refuses market-data times after 2100): the bound of "up to the newest". */
export const BEYOND_STORED = BigInt(Date.UTC(3000, 0, 1)) * 1000n;

export function asOfBound(asOf: string): bigint {
  if (isCalendarDate(asOf)) return newYorkMidnightNs(isoDate(dayNumber(asOf) + 1)) / 1000n;
  const micros = isoToMicros(asOf);
  if (micros === undefined) throw new Error(`as_of ${asOf} passed validation but is not a time`);
  return micros + 1n;
}

/** The start of a time range as its inclusive lower bound, in microseconds: a day means from its start in New York. */
export function sinceBound(since: string): bigint {
  if (isCalendarDate(since)) return newYorkMidnightNs(since) / 1000n;
  const micros = isoToMicros(since);
  if (micros === undefined) throw new Error(`${since} passed validation but is not a time`);
  return micros;
}
