/**
 * A Polygon option-chain snapshot result (one element of `results[]`) → one
 * `option_snapshots` row and the contract it belongs to, or the reason it is rejected.
 */
import { isLosslessNumber, LosslessNumber } from 'lossless-json';
import type { TableRow } from '../schema/tables.js';
import { checkStatedContract, type ContractRow, contractFromTicker } from './contract.js';
import { detachedText } from './detached-text.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json-value.js';
import { compareDecimalText, isIntegerText, isNegativeText } from './numeric-text.js';
import { reject, Rejection } from './rejection.js';
import { parseTicker } from './ticker.js';
import { microsToIso, nanosProblem, truncateMicros } from './timestamp.js';

export const SNAPSHOT_SOURCE = 'polygon';

export interface SnapshotOptions {
  /** A fixed capture time for every row, in microseconds; else derived per row. */
  readonly capturedAtMicros: bigint | undefined;
  readonly resolutionMicros: bigint;
}

export type Validated = { ok: true; row: TableRow; contract: ContractRow } | { ok: false; reason: string };

/** isLosslessNumber, asked only of what is not one of this copy of the library's numbers: the prototype test is cheaper than its marker's getter. */
function isNumber(value: JsonValue): value is LosslessNumber {
  return value instanceof LosslessNumber || isLosslessNumber(value);
}

function describe(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isLosslessNumber(value)) return 'a number';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Reads typed fields of one nested object, with the field's path in every reason. */
class Fields {
  constructor(
    private readonly object: JsonObject | undefined,
    private readonly path: string,
  ) {}

  static of(parent: JsonObject, name: string): Fields {
    const value = parent[name];
    if (value === undefined || value === null) return new Fields(undefined, name);
    if (!isJsonObject(value)) return reject(`wrong type: ${name} is ${describe(value)}, expected an object`);
    return new Fields(value, name);
  }

  private get(name: string): JsonValue | undefined {
    const value = this.object?.[name];
    return value === null ? undefined : value;
  }

  private label(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  // Rows keep their texts for a whole batch: copies, not views into the line read.
  number(name: string, rule: 'any' | 'nonnegative' = 'any'): string | null {
    const text = this.numberText(name, rule);
    return text === null ? null : detachedText(text);
  }

  integer(name: string): string | null {
    const text = this.integerText(name);
    return text === null ? null : detachedText(text);
  }

  private numberText(name: string, rule: 'any' | 'nonnegative'): string | null {
    const value = this.get(name);
    if (value === undefined) return null;
    if (!isNumber(value)) return reject(`wrong type: ${this.label(name)} is ${describe(value)}, expected a number`);
    if (rule === 'nonnegative' && isNegativeText(value.value)) return reject(`negative ${this.label(name)}: ${value.value}`);
    return value.value;
  }

  private integerText(name: string): string | null {
    const text = this.numberText(name, 'nonnegative');
    if (text !== null && !isIntegerText(text)) return reject(`not an integer: ${this.label(name)} is ${text}`);
    return text;
  }

  /** Unix nanoseconds → microseconds; 0 means "not set" in Polygon's answers. */
  nanos(name: string): bigint | null {
    const text = this.integerText(name);
    if (text === null) return null;
    const nanos = BigInt(text);
    if (nanos === 0n) return null;
    const problem = nanosProblem(nanos);
    if (problem !== undefined) return reject(`bad ${this.label(name)}: ${text.length > 40 ? `${text.slice(0, 40)}…` : text} is ${problem}`);
    return nanos / 1000n;
  }

  string(name: string): string | null {
    const value = this.get(name);
    if (value === undefined) return null;
    if (typeof value !== 'string') return reject(`wrong type: ${this.label(name)} is ${describe(value)}, expected a string`);
    // PostgreSQL text cannot hold NUL; other control characters are stored as given.
    if (value.includes('\u0000')) return reject(`bad ${this.label(name)}: contains a NUL character`);
    return detachedText(value);
  }
}

export function validateSnapshot(value: JsonValue, options: SnapshotOptions): Validated {
  try {
    return validate(value, options);
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, reason: error.message };
    // Whatever else a record makes fail (a value nested too deep for the stack, say), it
    // is that record's problem: it is rejected, and the run goes on.
    return { ok: false, reason: `unreadable result: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function validate(value: JsonValue, options: SnapshotOptions): Validated {
  if (!isJsonObject(value)) return reject(`wrong type: result is ${describe(value)}, expected an object`);
  const details = Fields.of(value, 'details');
  const tickerText = details.string('ticker') ?? reject('missing required field details.ticker');
  const parsed = parseTicker(tickerText);
  if (!parsed.ok) return reject(`bad ticker ${JSON.stringify(tickerText.slice(0, 40))}: ${parsed.reason}`);
  const ticker = parsed.value;

  const stated = checkStatedContract(
    ticker,
    {
      contractType: details.string('contract_type'),
      expirationDate: details.string('expiration_date'),
      strikePrice: details.number('strike_price', 'nonnegative'),
      exerciseStyle: details.string('exercise_style'),
      sharesPerContract: details.integer('shares_per_contract'),
    },
    'details.',
  );
  if (!stated.ok) return reject(stated.reason);

  const day = Fields.of(value, 'day');
  const quote = Fields.of(value, 'last_quote');
  const trade = Fields.of(value, 'last_trade');
  const greeks = Fields.of(value, 'greeks');
  const underlying = Fields.of(value, 'underlying_asset');
  const top = new Fields(value, '');

  const dayHigh = day.number('high', 'nonnegative');
  const dayLow = day.number('low', 'nonnegative');
  if (dayHigh !== null && dayLow !== null && compareDecimalText(dayHigh, dayLow) < 0) reject(`day.high ${dayHigh} < day.low ${dayLow}`);

  const quoteAt = quote.nanos('last_updated');
  const tradeAt = trade.nanos('sip_timestamp');
  const dayAt = day.nanos('last_updated');
  const capturedAt = options.capturedAtMicros ?? newest([quoteAt, tradeAt, dayAt]);
  if (capturedAt === null) reject('no timestamp to derive captured_at from (last_quote, last_trade, day); pass --captured-at');

  const exchange = trade.integer('exchange');
  // Nine digits or fewer are always below the integer column's bound.
  if (exchange !== null && exchange.length > 9 && BigInt(exchange) > 2_147_483_647n) reject(`bad last_trade.exchange: ${exchange}`);

  const row: TableRow = {
    ticker: ticker.ticker,
    captured_at: capturedAtIso(truncateMicros(capturedAt!, options.resolutionMicros)),
    day_open: day.number('open', 'nonnegative'),
    day_high: dayHigh,
    day_low: dayLow,
    day_close: day.number('close', 'nonnegative'),
    day_volume: day.integer('volume'),
    day_vwap: day.number('vwap', 'nonnegative'),
    day_change: day.number('change'),
    day_change_percent: day.number('change_percent'),
    previous_close: day.number('previous_close', 'nonnegative'),
    open_interest: top.integer('open_interest'),
    implied_volatility: top.number('implied_volatility', 'nonnegative'),
    delta: greeks.number('delta'),
    gamma: greeks.number('gamma'),
    theta: greeks.number('theta'),
    vega: greeks.number('vega'),
    bid: quote.number('bid', 'nonnegative'),
    bid_size: quote.integer('bid_size'),
    ask: quote.number('ask', 'nonnegative'),
    ask_size: quote.integer('ask_size'),
    quote_at: quoteAt === null ? null : microsToIso(quoteAt),
    last_price: trade.number('price', 'nonnegative'),
    last_size: trade.integer('size'),
    last_exchange: exchange,
    last_trade_at: tradeAt === null ? null : microsToIso(tradeAt),
    underlying_price: underlying.number('price', 'nonnegative') ?? underlying.number('value', 'nonnegative'),
    break_even_price: top.number('break_even_price', 'nonnegative'),
    source: SNAPSHOT_SOURCE,
  };
  const contract = contractFromTicker(ticker, { ...stated.known, underlyingTicker: underlying.string('ticker') });
  return { ok: true, row, contract };
}

function newest(candidates: (bigint | null)[]): bigint | null {
  return candidates.reduce<bigint | null>((max, t) => (t !== null && (max === null || t > max) ? t : max), null);
}

// Capture times are truncated to the resolution (a minute by default), so consecutive rows
// mostly share one: its text is made once.
let lastCapturedMicros: bigint | undefined;
let lastCapturedIso = '';

function capturedAtIso(micros: bigint): string {
  if (micros !== lastCapturedMicros) {
    lastCapturedIso = microsToIso(micros);
    lastCapturedMicros = micros;
  }
  return lastCapturedIso;
}
