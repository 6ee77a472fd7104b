/**
 * The underlyings `optdb poll` asks for, from `--underlyings AAPL,SPY,I:SPX` and/or a
 * watchlist file (`--watchlist <file>`). In both, entries are separated by commas or
 * whitespace; a file may put one or more on a line, with `#` comments and blank lines.
 * Entries are upper-cased, duplicates dropped (the first occurrence keeps its place,
 * flag entries before file entries), and each one checked, so a typo stops the poller at
 * start-up rather than turning into an empty chain every cycle.
 */
import { readFile } from 'node:fs/promises';
import { OptdbError } from '../errors.js';

export interface UnderlyingSources {
  /** `--underlyings`, once or repeated. */
  readonly underlyings?: string | readonly string[];
  /** `--watchlist`: the path of a watchlist file. */
  readonly watchlist?: string;
}

// Stocks: letters with an optional share-class suffix (BRK.B, BF.B). Indices: "I:" and
// letters, as the market-data API spells them (I:SPX, I:NDX); a digit or two and a
// final letter are allowed because some index symbols carry them (I:VIX9D).
const STOCK = /^[A-Z]{1,6}(?:\.[A-Z]{1,2})?$/;
const INDEX = /^I:[A-Z]{1,10}[0-9]{0,2}[A-Z]?$/;
const RULE = 'expected a stock ticker (letters, optionally a class suffix as in BRK.B) or an index (I: and letters, as in I:SPX)';

/** Splits and checks one `--underlyings` value; `where` names it in errors. */
export function parseUnderlyingList(text: string, where = '--underlyings'): string[] {
  return entriesOf(text).map((entry) => checked(entry, where));
}

/** Splits and checks a watchlist file's text; errors name `file` and the line number. */
export function parseWatchlist(text: string, file: string): string[] {
  const underlyings: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.replace(/#.*/, '');
    for (const entry of entriesOf(content)) underlyings.push(checked(entry, `${file}:${index + 1}`));
  });
  return underlyings;
}

export async function readWatchlist(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code ?? error);
    throw new OptdbError('CONFIG_INVALID', `Cannot read --watchlist ${file}: ${reason}`, { cause: error });
  }
  return parseWatchlist(text, file);
}

/** The underlyings to poll, in order, without duplicates; never empty. */
export async function resolveUnderlyings(sources: UnderlyingSources): Promise<readonly string[]> {
  const flags = typeof sources.underlyings === 'string' ? [sources.underlyings] : (sources.underlyings ?? []);
  const fromFlags = flags.flatMap((value) => parseUnderlyingList(value));
  const fromFile = sources.watchlist === undefined ? [] : await readWatchlist(sources.watchlist);
  const underlyings = Object.freeze([...new Set([...fromFlags, ...fromFile])]);
  if (underlyings.length === 0) {
    const given = sources.watchlist === undefined ? '' : ` (--watchlist ${sources.watchlist} lists none)`;
    throw new OptdbError('CONFIG_INVALID', `No underlyings given${given}.`, {
      remedy: 'Pass --underlyings AAPL,SPY,I:SPX or --watchlist <file> with one or more tickers per line.',
    });
  }
  return underlyings;
}

function entriesOf(text: string): string[] {
  return text.split(/[\s,]+/).filter((entry) => entry !== '');
}

function checked(entry: string, where: string): string {
  const underlying = entry.toUpperCase();
  if (STOCK.test(underlying) || INDEX.test(underlying)) return underlying;
  const shown = JSON.stringify(entry.length > 40 ? `${entry.slice(0, 40)}…` : entry);
  throw new OptdbError('CONFIG_INVALID', `Invalid underlying ${shown} at ${where}: ${RULE}.`);
}
