/**
 * Time as the sources give it — Unix nanoseconds, 19 digits, beyond
 * Number.MAX_SAFE_INTEGER — turned into what PostgreSQL keeps: microseconds. All
 * arithmetic is BigInt; no value passes through a float.
 */
const MICROS_PER_MILLI = 1_000n;

/**
 * Market data's instants lie after the Unix epoch and before 2100: a value outside is a
 * broken record, not a time (and one beyond JavaScript's dates would make formatting it
 * throw). Rejecting it here keeps one record from stopping a run.
 */
const LATEST_NANOS = BigInt(Date.UTC(2100, 0, 1)) * 1_000_000n;

/** Why these Unix nanoseconds are not a market-data time, or undefined when they are one. */
export function nanosProblem(nanos: bigint): string | undefined {
  if (nanos < 0n) return 'before 1970';
  if (nanos >= LATEST_NANOS) return 'after 2100 (Unix nanoseconds expected)';
  return undefined;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` (nanoseconds are divided down to microseconds by the caller, truncating). */
export function microsToIso(micros: bigint): string {
  const millis = micros / MICROS_PER_MILLI;
  const extraMicros = micros % MICROS_PER_MILLI;
  const base = new Date(Number(millis)).toISOString(); // exact: millis < 2^53
  return `${base.slice(0, 23)}${extraMicros.toString().padStart(3, '0')}Z`;
}

/** Parses an ISO-8601 timestamp (with zone) to microseconds, keeping up to 6 fraction digits. */
export function isoToMicros(text: string): bigint | undefined {
  const match = /^(.*T\d\d:\d\d(?::\d\d)?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)$/i.exec(text.trim());
  if (!match) return undefined;
  const millis = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(millis)) return undefined;
  const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
  return BigInt(millis) * MICROS_PER_MILLI + BigInt(fraction);
}

const RESOLUTION_UNITS: Record<string, bigint> = { s: 1_000_000n, m: 60_000_000n, h: 3_600_000_000n, d: 86_400_000_000n };

/** A `--resolution` such as `1s`, `1m`, `5m`, `1h`, `1d`, in microseconds. */
export function parseResolution(text: string): bigint | undefined {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (!match || BigInt(match[1]!) === 0n) return undefined;
  return BigInt(match[1]!) * RESOLUTION_UNITS[match[2]!]!;
}

/** Truncates to a multiple of the resolution since the Unix epoch (UTC: `1d` means the UTC day). */
export function truncateMicros(micros: bigint, resolutionMicros: bigint): bigint {
  return micros - (((micros % resolutionMicros) + resolutionMicros) % resolutionMicros);
}

const NEW_YORK_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

// A flat file holds one trading day: its rows repeat the same window_start, and time-zone
// formatting is the costliest step of a row, so the last answer is kept.
let lastNanos: bigint | undefined;
let lastDate = '';

/** The calendar date in America/New_York (the trading day) of an instant in nanoseconds. */
export function newYorkDate(nanos: bigint): string {
  if (nanos !== lastNanos) {
    lastDate = NEW_YORK_DATE.format(new Date(Number(nanos / 1_000_000n))); // en-CA formats as YYYY-MM-DD
    lastNanos = nanos;
  }
  return lastDate;
}
