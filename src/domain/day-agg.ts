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
import { compareDecimalText, isDecimalText, isIntegerText, isNegativeText, isPlainDecimalText } from './numeric-text.js';
import type { Validated } from './snapshot.js';
import { parseTicker } from './ticker.js';
import { nanosProblem, newYorkDate } from './timestamp.js';

const PRICES = ['open', 'high', 'low', 'close'] as const;

/** The columns every row needs: a file whose header lacks one has no valid row at all. */
export const DAY_AGG_REQUIRED_COLUMNS: readonly string[] = ['ticker', ...PRICES, 'volume', 'window_start'];

// Straight-line checks without a closure or a record per row: validation runs for every
// row of a flat file.
export function validateDayAgg(fields: Readonly<Record<string, string>>): Validated {
  const tickerText = present(fields, 'ticker');
  if (tickerText === undefined) return missing('ticker');
  const parsed = parseTicker(tickerText);
  if (!parsed.ok) return { ok: false, reason: `bad ticker ${JSON.stringify(tickerText.slice(0, 40))}: ${parsed.reason}` };

  const prices: string[] = [];
  for (const name of PRICES) {
    const text = present(fields, name);
    if (text === undefined) return missing(name);
    if (!isPlainDecimalText(text)) {
      const kind = isDecimalText(text) ? 'exponent notation' : 'not a number';
      return { ok: false, reason: `${kind}: ${name} is ${JSON.stringify(text.slice(0, 40))}` };
    }
    if (isNegativeText(text)) return { ok: false, reason: `negative ${name}: ${text}` };
    prices.push(text);
  }
  const [open, high, low, close] = prices as [string, string, string, string];

  const volume = present(fields, 'volume');
  if (volume === undefined) return missing('volume');
  const volumeProblem = integerProblem('volume', volume);
  if (volumeProblem) return { ok: false, reason: volumeProblem };
  const windowStart = present(fields, 'window_start');
  if (windowStart === undefined) return missing('window_start');
  const windowProblem = integerProblem('window_start', windowStart) ?? nanosProblem(BigInt(windowStart));
  if (windowProblem)
    return {
      ok: false,
      reason:
        windowProblem.startsWith('not') || windowProblem.startsWith('negative')
          ? windowProblem
          : `bad window_start: ${windowStart.slice(0, 40)} is ${windowProblem}`,
    };
  const transactions = present(fields, 'transactions');
  const transactionsProblem = transactions === undefined ? undefined : integerProblem('transactions', transactions);
  if (transactionsProblem) return { ok: false, reason: transactionsProblem };

  if (compareDecimalText(high, low) < 0) return { ok: false, reason: `high ${high} < low ${low}` };
  for (const [name, price] of [
    ['open', open],
    ['close', close],
  ] as const) {
    if (compareDecimalText(price, low) < 0 || compareDecimalText(price, high) > 0)
      return { ok: false, reason: `${name} ${price} outside [low ${low}, high ${high}]` };
  }

  const row: TableRow = {
    ticker: parsed.value.ticker,
    day: newYorkDate(BigInt(windowStart)),
    open,
    high,
    low,
    close,
    volume,
    transactions: transactions ?? null,
  };
  return { ok: true, row, contract: contractFromTicker(parsed.value) };
}

/** The field's trimmed text, or undefined when it is absent or blank. */
function present(fields: Readonly<Record<string, string>>, name: string): string | undefined {
  const value = fields[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function missing(name: string): Validated {
  return { ok: false, reason: `missing required field ${name}` };
}

function integerProblem(name: string, text: string): string | undefined {
  if (!isIntegerText(text)) return `not an integer: ${name} is ${JSON.stringify(text.slice(0, 40))}`;
  if (isNegativeText(text)) return `negative ${name}: ${text}`;
  return undefined;
}
