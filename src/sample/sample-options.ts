/**
 * Options of `optdb sample`, resolved once into a frozen object. A bad value fails naming
 * the option, the rule and the value received.
 *
 * | option      | flag          | default    | unit and rule                                          |
 * |-------------|---------------|------------|--------------------------------------------------------|
 * | out         | --out         | (required) | file path; `-` = stdout; a name ending `.gz` is gzipped |
 * | format      | --format      | (required) | chain-ndjson, chain-json or day-aggs-csv               |
 * | underlyings | --underlyings | 20         | underlyings, 1..10000                                  |
 * | contracts   | --contracts   | 10000      | listed contracts in total, 1..100000000                |
 * | date        | --date        | 2025-11-20 | trading day YYYY-MM-DD, a weekday, 2002..2098          |
 * | seed        | --seed        | 1          | integer 0..4294967295                                  |
 *
 * The date is fixed rather than "today" so that the same command always writes the same
 * bytes. Dates before 2002 would give 18-digit nanosecond timestamps; expirations a year
 * out must still fit the ticker's two-digit year.
 */
import { OptdbError } from '../errors.js';
import { SATURDAY, SUNDAY, dayNumber, isCalendarDate, weekday } from '../domain/calendar-date.js';

export const SAMPLE_FORMATS = ['chain-ndjson', 'chain-json', 'day-aggs-csv'] as const;
export type SampleFormat = (typeof SAMPLE_FORMATS)[number];

export interface SampleOptions {
  readonly out: string | NodeJS.WritableStream;
  readonly format: SampleFormat;
  readonly underlyings: number;
  readonly contracts: number;
  readonly date: string;
  readonly seed: number;
}

/** As commander hands them over (strings), or as a library caller passes them. */
export interface SampleFlags {
  out?: unknown;
  format?: unknown;
  underlyings?: unknown;
  contracts?: unknown;
  date?: unknown;
  seed?: unknown;
}

export const SAMPLE_DEFAULTS = { underlyings: 20, contracts: 10_000, date: '2025-11-20', seed: 1 } as const;

export function resolveSampleOptions(flags: SampleFlags): SampleOptions {
  return Object.freeze({
    out: outOption(flags.out),
    format: formatOption(flags.format),
    underlyings: integerOption('--underlyings', flags.underlyings ?? SAMPLE_DEFAULTS.underlyings, 1, 10_000),
    contracts: integerOption('--contracts', flags.contracts ?? SAMPLE_DEFAULTS.contracts, 1, 100_000_000),
    date: dateOption(flags.date ?? SAMPLE_DEFAULTS.date),
    seed: integerOption('--seed', flags.seed ?? SAMPLE_DEFAULTS.seed, 0, 4_294_967_295),
  });
}

function invalid(message: string): OptdbError {
  return new OptdbError('CONFIG_INVALID', message);
}

function shown(value: unknown): string {
  return `\`${String(value)}\``;
}

function outOption(value: unknown): string | NodeJS.WritableStream {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'object' && value !== null && typeof (value as NodeJS.WritableStream).write === 'function') {
    return value as NodeJS.WritableStream;
  }
  throw invalid(`--out must be a file path or \`-\` for stdout, got ${shown(value)}`);
}

function formatOption(value: unknown): SampleFormat {
  if (SAMPLE_FORMATS.includes(value as SampleFormat)) return value as SampleFormat;
  throw invalid(`--format must be one of ${SAMPLE_FORMATS.join(', ')}, got ${shown(value)}`);
}

function integerOption(name: string, value: unknown, min: number, max: number): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(number) || number < min) throw invalid(`${name} must be an integer >= ${min}, got ${shown(value)}`);
  if (number > max) throw invalid(`${name} must be an integer <= ${max}, got ${shown(value)}`);
  return number;
}

function dateOption(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!isCalendarDate(text)) throw invalid(`--date must be a calendar date YYYY-MM-DD, got ${shown(value)}`);
  if (text < '2002-01-01' || text > '2098-12-31') {
    throw invalid(`--date must be between 2002-01-01 and 2098-12-31, got ${shown(value)}`);
  }
  const day = weekday(dayNumber(text));
  if (day === SATURDAY || day === SUNDAY) {
    throw invalid(`--date must be a weekday (no session on weekends), got ${shown(value)} (${day === SATURDAY ? 'Saturday' : 'Sunday'})`);
  }
  return text;
}
