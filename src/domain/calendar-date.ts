/**
 * Calendar dates as whole days since 1970-01-01 (UTC), so that date arithmetic for
 * expirations and sessions is integer arithmetic with no time zone in it.
 */
const MS_PER_DAY = 86_400_000;

export const SUNDAY = 0;
export const FRIDAY = 5;
export const SATURDAY = 6;

/** "2025-11-20" → 20412. The text must already be a valid date (see isCalendarDate). */
export function dayNumber(date: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

export function isoDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** 1..31. */
export function dayInMonth(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCDate();
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  return isoDate(dayNumber(text)) === text; // Date.UTC rolls 02-30 over to March: catch it
}

export function dayOfMonth(year: number, month: number, dayInMonth: number): number {
  return Date.UTC(year, month - 1, dayInMonth) / MS_PER_DAY;
}

/** The n-th given weekday of a month (n from 1), e.g. the third Friday. */
export function nthWeekday(year: number, month: number, targetWeekday: number, n: number): number {
  const first = dayOfMonth(year, month, 1);
  return first + ((targetWeekday - weekday(first) + 7) % 7) + 7 * (n - 1);
}

export function lastWeekday(year: number, month: number, targetWeekday: number): number {
  const last = dayOfMonth(year, month + 1, 0);
  return last - ((weekday(last) - targetWeekday + 7) % 7);
}
