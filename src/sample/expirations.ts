/**
 * Which expirations an underlying lists on a day: Friday weeklies for the next eight
 * weeks and third-Friday monthlies out to a year. Exchange holidays are ignored (a real
 * Good Friday expiration moves to Thursday); the sample does not need them.
 */
import { FRIDAY, dayInMonth, dayNumber, isoDate, weekday } from '../domain/calendar-date.js';
import type { Underlying } from './universe.js';

export interface Series {
  readonly root: string;
  readonly expirationDate: string;
  /** Calendar days from the sample date to expiration (0 = expires that day). */
  readonly daysToExpiry: number;
  readonly monthly: boolean;
}

const WEEKLY_HORIZON_DAYS = 56;
const MONTHLY_HORIZON_DAYS = 366;

/**
 * Series listed on `date`, nearest first. An index lists its third Fridays twice: the
 * AM-settled monthly root (SPX) and, inside the weekly horizon, the PM-settled weekly
 * root (SPXW) — two tickers for one date, as on the real chain.
 */
export function listSeries(underlying: Underlying, date: string): Series[] {
  const today = dayNumber(date);
  const series: Series[] = [];
  const firstFriday = today + ((FRIDAY - weekday(today) + 7) % 7);
  for (let friday = firstFriday; friday <= today + MONTHLY_HORIZON_DAYS; friday += 7) {
    const monthly = isThirdFriday(friday);
    const weekly = friday < today + WEEKLY_HORIZON_DAYS && (!monthly || underlying.weeklyRoot !== underlying.monthlyRoot);
    // AM-settled index monthlies stop trading the day before: none on their own expiry day.
    const listedMonthly = monthly && !(friday === today && underlying.kind === 'index');
    if (!listedMonthly && !weekly) continue;
    const entry = { expirationDate: isoDate(friday), daysToExpiry: friday - today };
    if (listedMonthly) series.push({ ...entry, root: underlying.monthlyRoot, monthly: true });
    if (weekly) series.push({ ...entry, root: underlying.weeklyRoot, monthly: false });
  }
  return series;
}

/** Every Friday from the 15th to the 21st is its month's third. */
function isThirdFriday(day: number): boolean {
  const date = dayInMonth(day);
  return weekday(day) === FRIDAY && date >= 15 && date <= 21;
}
