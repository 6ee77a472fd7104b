/**
 * The request parameters the endpoints share, as zod schemas: they validate each request
 * (a value that does not fit is a 400 naming the parameter) and describe it in the
 * OpenAPI document. Tickers, dates and strikes are checked against their exact formats,
 * so nothing but such text reaches a query, and only as a placeholder's value.
 */
import { z } from 'zod';
import { isCalendarDate } from '../domain/calendar-date.js';
import { isoToMicros } from '../domain/timestamp.js';
import { isValidTicker } from '../domain/ticker.js';
import type { Range, RangeSuffix } from './sql/contract-filters.js';

// A stock (AAPL, BRK.B) or an index (I:SPX) as Polygon writes them.
const UNDERLYING = /^(?:I:)?[A-Z][A-Z0-9.]{0,11}$/;
// numeric(12,3): up to 9 integer digits and 3 decimals.
const STRIKE = /^\d{1,9}(?:\.\d{1,3})?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export const underlyingTicker = z
  .string()
  .regex(UNDERLYING, 'must be an underlying ticker such as AAPL, BRK.B or I:SPX')
  .describe('The underlying: a stock (AAPL) or an index (I:SPX)');

export const optionTicker = z
  .string()
  .max(40, 'must be an option ticker such as O:AAPL251121C00150000')
  .refine(isValidTicker, 'must be an option ticker such as O:AAPL251121C00150000')
  .describe('An option contract, e.g. O:AAPL251121C00150000');

export const calendarDate = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required: a date as YYYY-MM-DD' : 'must be a date as YYYY-MM-DD') })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'must be a date as YYYY-MM-DD')
  .describe('A day, YYYY-MM-DD');

const strike = z
  .string()
  .regex(STRIKE, 'must be a strike price such as 150 or 22.5 (at most 3 decimals)')
  .describe('A strike price, e.g. 150 or 22.5');

/** A day (YYYY-MM-DD) or an instant (RFC 3339 with a zone): `as_of`, and the ends of a time range. */
export const dayOrInstant = z.string().refine((text) => isCalendarDate(text) || (TIMESTAMP.test(text) && isoToMicros(text) !== undefined), {
  message: 'must be a date (YYYY-MM-DD) or a time with a zone (2025-11-20T15:30:00Z)',
});

/** `as_of`: a day (its end in New York) or an instant. */
export const asOf = dayOrInstant
  .optional()
  .describe('Read the data as it was at this time: YYYY-MM-DD (the end of that day in New York) or RFC 3339 (2025-11-20T15:30:00-05:00)');

export const order = z.enum(['asc', 'desc'], { message: 'must be asc or desc' }).optional();
export const contractType = z.enum(['call', 'put'], { message: 'must be call or put' }).optional();
export const contractSort = z
  .enum(['ticker', 'expiration_date', 'strike_price'], { message: 'must be ticker, expiration_date or strike_price' })
  .optional();

export function limit(max: number, fallback: number) {
  const rule = `must be an integer from 1 to ${max}`;
  // Digits only: Number() would also read 0x10, 1e2 and " 5".
  return z
    .string()
    .regex(/^\d{1,9}$/, rule)
    .transform(Number)
    .pipe(z.number().min(1, rule).max(max, `must be at most ${max}`))
    .optional()
    .transform((value) => value ?? fallback)
    .describe(`Results per page: 1 to ${max} (default ${fallback})`);
}

export const cursor = z.string().max(4096, 'is not a cursor this server handed out').optional().describe('From next_url: the next page');

/** `name`, `name.gt`, `name.gte`, `name.lt`, `name.lte`, each optional. */
export function rangeFields<Name extends string>(name: Name, value: z.ZodType<string>) {
  return {
    [name]: value.optional(),
    [`${name}.gt`]: value.optional(),
    [`${name}.gte`]: value.optional(),
    [`${name}.lt`]: value.optional(),
    [`${name}.lte`]: value.optional(),
  } as Record<Name | `${Name}.${Exclude<RangeSuffix, ''>}`, z.ZodOptional<z.ZodType<string>>>;
}

export const strikeRange = () => rangeFields('strike_price', strike);
export const expirationRange = () => rangeFields('expiration_date', calendarDate);

/** The range a request's `name*` parameters give. */
export function rangeOf(query: Readonly<Record<string, unknown>>, name: string): Range {
  const range: Range = {};
  for (const suffix of ['', 'gt', 'gte', 'lt', 'lte'] as const) {
    const value = query[suffix === '' ? name : `${name}.${suffix}`];
    if (typeof value === 'string') range[suffix] = value;
  }
  return range;
}
