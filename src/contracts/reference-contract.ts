/**
 * A contracts-reference result (GET /v3/reference/options/contracts) → the contract it
 * describes, or the reason it is rejected.
 *
 * The reference is the authority on what a ticker does not say — the underlying (SPXW
 * belongs to I:SPX, GME1 to GME), exercise style, shares per contract, primary exchange.
 * What the ticker does say (type, expiration, strike) must agree with the record's fields;
 * that rule, and what each field may hold, are the snapshots' too (checkStatedContract in
 * domain/contract.ts). Here the fields are read: numbers as the API wrote them (lossless),
 * so the strike is compared exactly.
 */
import { isLosslessNumber } from 'lossless-json';
import { checkStatedContract, type ContractRow, contractFromTicker, guessUnderlying } from '../domain/contract.js';
import { isJsonObject, type JsonValue } from '../domain/json-value.js';
import { isIntegerText } from '../domain/numeric-text.js';
import { reject, Rejection } from '../domain/rejection.js';
import { parseTicker } from '../domain/ticker.js';

export type ReferenceResult = { ok: true; contract: ContractRow } | { ok: false; ticker: string | undefined; reason: string };

export function contractFromReference(value: JsonValue): ReferenceResult {
  if (!isJsonObject(value)) return { ok: false, ticker: undefined, reason: 'the result is not an object' };
  const field = (name: string): JsonValue | undefined => (value[name] === null ? undefined : value[name]);
  const text = (name: string): string | null => {
    const found = field(name);
    if (found === undefined) return null;
    if (typeof found !== 'string' || found === '' || found.includes('\u0000')) reject(`bad ${name}: ${shown(found)}`);
    return found;
  };
  /** A number's digits as the API wrote them. */
  const number = (name: string, kind: 'decimal' | 'integer'): string | null => {
    const found = field(name);
    if (found === undefined) return null;
    if (!isLosslessNumber(found) || (kind === 'integer' && !isIntegerText(found.value))) reject(`bad ${name}: ${shown(found)}`);
    return found.value;
  };
  const tickerText = field('ticker');
  const ticker = typeof tickerText === 'string' ? tickerText : undefined;
  try {
    if (ticker === undefined) reject(`missing or bad ticker: ${shown(tickerText)}`);
    const parsed = parseTicker(ticker);
    if (!parsed.ok) reject(`bad ticker: ${parsed.reason}`);
    const own = parsed.value;

    const stated = checkStatedContract(own, {
      contractType: text('contract_type'),
      expirationDate: text('expiration_date'),
      strikePrice: number('strike_price', 'decimal'),
      exerciseStyle: text('exercise_style'),
      sharesPerContract: number('shares_per_contract', 'integer'),
    });
    if (!stated.ok) reject(stated.reason);
    const contract = contractFromTicker(own, {
      ...stated.known,
      underlyingTicker: indexForm(text('underlying_ticker'), own.root),
      primaryExchange: text('primary_exchange'),
    });
    return { ok: true, contract };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, ticker, reason: error.message };
    throw error;
  }
}

/**
 * The reference may name an index option's underlying without the `I:` prefix ("SPX")
 * while snapshots name it `I:SPX`: stored as the snapshots do, so the two sources never
 * overwrite each other's value. Only for roots known to be index roots.
 */
function indexForm(underlying: string | null, root: string): string | null {
  if (underlying === null) return null;
  return guessUnderlying(root) === `I:${underlying}` ? `I:${underlying}` : underlying;
}

function shown(value: JsonValue | undefined): string {
  if (value === undefined) return 'missing';
  if (isLosslessNumber(value)) return value.value;
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
