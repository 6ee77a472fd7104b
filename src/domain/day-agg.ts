/**
 * A row of a Polygon `day_aggs_v1` flat file → one `option_day_aggs` row and the contract
 * it belongs to, or the reason it is rejected. Columns are looked up by header name.
 *
 * Prices are stored with the digits the file wrote, so they must be plain decimals: the
 * flat files never use exponent notation, and `1e3` in one means a tool rewrote the file
 * through floating point — the row is rejected rather than stored as a number nobody
 * wrote. A bar is one day's trades: its open and close lie within [low, high].
 */
import type { TableRow } from '../schema/tables.js';
import { contractFromTicker } from './contract.js';
import { isDecimalText, isIntegerText, isNegativeText, plainDecimalValue } from './numeric-text.js';
import type { Validated } from './snapshot.js';
import { readTicker } from './ticker.js';
import { nanosProblem, newYorkDate } from './timestamp.js';

const PRICES = ['open', 'high', 'low', 'close'] as const;

/** The columns every row needs: a file whose header lacks one has no valid row at all. */
export const DAY_AGG_REQUIRED_COLUMNS: readonly string[] = ['ticker', ...PRICES, 'volume', 'window_start'];

// The prices of the row being validated, in PRICES order, their texts and values: the
// same arrays for every row (validation runs for each row in turn), so that no row
// allocates them and no value is boxed.
const priceTexts: string[] = ['', '', '', ''];
const priceValues = new Float64Array(PRICES.length);

/** The columns validation reads, in the order validateDayAgg hands them over. */
const READ_COLUMNS: readonly string[] = [...DAY_AGG_REQUIRED_COLUMNS, 'transactions'];

/** A row given by column name (a caller's object): see validateDayAggValues. */
export function validateDayAgg(fields: Readonly<Record<string, string>>): Validated {
  return validateDayAggValues(
    READ_COLUMNS,
    READ_COLUMNS.map((name) => fields[name]),
  );
}

/**
 * A row given as its values in the order of `columns` (a flat file's header). Straight-line
 * checks without a closure or a record per row: validation runs for every row of a flat
 * file.
 */
export function validateDayAggValues(columns: readonly string[], values: readonly (string | undefined)[]): Validated {
  const at = positionsIn(columns);
  const tickerText = present(values[at.ticker]);
  if (tickerText === undefined) return missing('ticker');
  const ticker = readTicker(tickerText);
  if (typeof ticker === 'string') return { ok: false, reason: `bad ticker ${JSON.stringify(tickerText.slice(0, 40))}: ${ticker}` };

  for (let i = 0; i < PRICES.length; i++) {
    const text = present(values[at.prices[i]!]);
    // One call site for all four: the compiler inlines it, so no value is boxed.
    const value = text === undefined ? NaN : plainDecimalValue(text);
    const problem = priceProblem(PRICES[i]!, text, !Number.isNaN(value));
    if (problem) return problem;
    priceTexts[i] = text!;
    priceValues[i] = value;
  }
  const open = priceTexts[0]!;
  const high = priceTexts[1]!;
  const low = priceTexts[2]!;
  const close = priceTexts[3]!;
  const openValue = priceValues[0]!;
  const highValue = priceValues[1]!;
  const lowValue = priceValues[2]!;
  const closeValue = priceValues[3]!;

  const volume = present(values[at.volume]);
  if (volume === undefined) return missing('volume');
  const volumeProblem = integerProblem('volume', volume);
  if (volumeProblem) return { ok: false, reason: volumeProblem };
  const windowStart = present(values[at.windowStart]);
  if (windowStart === undefined) return missing('window_start');
  const window = windowOf(windowStart);
  if (window.problem) return { ok: false, reason: window.problem };
  const transactions = present(values[at.transactions]);
  const transactionsProblem = transactions === undefined ? undefined : integerProblem('transactions', transactions);
  if (transactionsProblem) return { ok: false, reason: transactionsProblem };

  // The values compare as Number() of the texts would (see compareDecimalText).
  if (highValue < lowValue) return { ok: false, reason: `high ${high} < low ${low}` };
  if (openValue < lowValue || openValue > highValue) return { ok: false, reason: `open ${open} outside [low ${low}, high ${high}]` };
  if (closeValue < lowValue || closeValue > highValue) return { ok: false, reason: `close ${close} outside [low ${low}, high ${high}]` };

  const row: TableRow = {
    ticker: ticker.ticker,
    day: window.day,
    open,
    high,
    low,
    close,
    volume,
    transactions: transactions ?? null,
  };
  return { ok: true, row, contract: contractFromTicker(ticker) };
}

/** Where each column validation reads sits in a row (-1: not in the header). */
interface Positions {
  readonly ticker: number;
  /** In PRICES order. */
  readonly prices: readonly number[];
  readonly volume: number;
  readonly windowStart: number;
  readonly transactions: number;
}

// Every row of a file has the same header: its positions are worked out once.
let lastColumns: readonly string[] | undefined;
let lastPositions: Positions | undefined;

function positionsIn(columns: readonly string[]): Positions {
  if (columns !== lastColumns || lastPositions === undefined) {
    lastPositions = positionsOf(columns);
    lastColumns = columns;
  }
  return lastPositions;
}

function positionsOf(columns: readonly string[]): Positions {
  // A name given twice: the last column wins, as it does by name.
  const of = (name: string) => columns.lastIndexOf(name);
  return {
    ticker: of('ticker'),
    prices: PRICES.map(of),
    volume: of('volume'),
    windowStart: of('window_start'),
    transactions: of('transactions'),
  };
}

/** The value's trimmed text, or undefined when it is absent or blank. */
function present(value: string | undefined): string | undefined {
  const text = value?.trim();
  return text === undefined || text === '' ? undefined : text;
}

function missing(name: string): Validated {
  return { ok: false, reason: `missing required field ${name}` };
}

/** Why a price rejects the row: `plain` says whether its text read as a plain decimal. */
function priceProblem(name: string, text: string | undefined, plain: boolean): Validated | undefined {
  if (text === undefined) return missing(name);
  if (!plain) {
    const kind = isDecimalText(text) ? 'exponent notation' : 'not a number';
    return { ok: false, reason: `${kind}: ${name} is ${JSON.stringify(text.slice(0, 40))}` };
  }
  if (isNegativeText(text)) return { ok: false, reason: `negative ${name}: ${text}` };
  return undefined;
}

function integerProblem(name: string, text: string): string | undefined {
  if (!isIntegerText(text)) return `not an integer: ${name} is ${JSON.stringify(text.slice(0, 40))}`;
  if (isNegativeText(text)) return `negative ${name}: ${text}`;
  return undefined;
}

/** A window_start's trading day, or why it is refused. */
interface Window {
  readonly day: string;
  readonly problem: string | undefined;
}

// A flat file holds one trading day: its rows repeat one window_start, read once.
let lastWindowText = '';
let lastWindow: Window | undefined;

function windowOf(text: string): Window {
  if (lastWindow === undefined || text !== lastWindowText) {
    lastWindow = readWindow(text);
    lastWindowText = text;
  }
  return lastWindow;
}

function readWindow(text: string): Window {
  const problem = integerProblem('window_start', text);
  if (problem) return { day: '', problem };
  const nanos = BigInt(text);
  const range = nanosProblem(nanos);
  if (range) return { day: '', problem: `bad window_start: ${text.slice(0, 40)} is ${range}` };
  return { day: newYorkDate(nanos), problem: undefined };
}
