/**
 * A row of a Polygon `day_aggs_v1` flat file → one `option_day_aggs` row and the contract
 * it belongs to, or the reason it is rejected. Columns are looked up by header name.
 */
import type { TableRow } from '../write/tables.js';
import { contractFromTicker } from './contract.js';
import { compareDecimalText, isDecimalText, isIntegerText, isNegativeText } from './numeric-text.js';
import type { Validated } from './snapshot.js';
import { parseTicker } from './ticker.js';
import { newYorkDate } from './timestamp.js';

export function validateDayAgg(fields: Readonly<Record<string, string>>): Validated {
  const field = (name: string): string | undefined => {
    const value = fields[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const required = (name: string): string | { reason: string } => field(name) ?? { reason: `missing required field ${name}` };

  const tickerText = required('ticker');
  if (typeof tickerText !== 'string') return { ok: false, ...tickerText };
  const parsed = parseTicker(tickerText);
  if (!parsed.ok) return { ok: false, reason: `bad ticker ${JSON.stringify(tickerText.slice(0, 40))}: ${parsed.reason}` };

  const values: Record<string, string> = {};
  for (const name of ['open', 'high', 'low', 'close']) {
    const text = required(name);
    if (typeof text !== 'string') return { ok: false, ...text };
    if (!isDecimalText(text)) return { ok: false, reason: `not a number: ${name} is ${JSON.stringify(text.slice(0, 40))}` };
    if (isNegativeText(text)) return { ok: false, reason: `negative ${name}: ${text}` };
    values[name] = text;
  }
  for (const name of ['volume', 'window_start', 'transactions']) {
    const text = name === 'transactions' ? field(name) : required(name);
    if (text === undefined) continue;
    if (typeof text !== 'string') return { ok: false, ...text };
    if (!isIntegerText(text)) return { ok: false, reason: `not an integer: ${name} is ${JSON.stringify(text.slice(0, 40))}` };
    if (isNegativeText(text)) return { ok: false, reason: `negative ${name}: ${text}` };
    values[name] = text;
  }
  if (compareDecimalText(values.high!, values.low!) < 0) return { ok: false, reason: `high ${values.high} < low ${values.low}` };

  const row: TableRow = {
    ticker: parsed.value.ticker,
    day: newYorkDate(BigInt(values.window_start!)),
    open: values.open!,
    high: values.high!,
    low: values.low!,
    close: values.close!,
    volume: values.volume!,
    transactions: values.transactions ?? null,
  };
  return { ok: true, row, contract: contractFromTicker(parsed.value) };
}
