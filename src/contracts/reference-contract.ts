/**
 * A contracts-reference result (GET /v3/reference/options/contracts) → the contract it
 * describes, or the reason it is rejected.
 *
 * The reference is the authority on what a ticker does not say — the underlying (SPXW
 * belongs to I:SPX, GME1 to GME), exercise style, shares per contract, primary exchange.
 * What the ticker does say (type, expiration, strike) must agree with the record's fields:
 * a record that contradicts its own ticker is corrupt, and storing either half would be a
 * guess. Numbers are read as the API wrote them (lossless), so the strike is compared
 * exactly, in thousandths.
 */
import { isLosslessNumber } from 'lossless-json';
import { type ContractRow, contractFromTicker, type ExerciseStyleText, guessUnderlying } from '../domain/contract.js';
import { isIntegerText } from '../domain/numeric-text.js';
import { parseTicker, thousandthsFromStrike } from '../domain/ticker.js';
import { isJsonObject } from '../sources/snapshot-page.js';
import type { JsonValue } from '../sources/source-record.js';

export type ReferenceResult = { ok: true; contract: ContractRow } | { ok: false; ticker: string | undefined; reason: string };

const CONTRACT_TYPES = new Set(['call', 'put', 'other']);
const EXERCISE_STYLES = new Set(['american', 'european', 'bermudan']);
const MAX_INTEGER = 2_147_483_647n; // shares_per_contract is an integer column

export function contractFromReference(value: JsonValue): ReferenceResult {
  if (!isJsonObject(value)) return { ok: false, ticker: undefined, reason: 'the result is not an object' };
  const field = (name: string): JsonValue | undefined => (value[name] === null ? undefined : value[name]);
  const text = (name: string): string | undefined => {
    const found = field(name);
    if (found === undefined) return undefined;
    if (typeof found !== 'string' || found === '' || found.includes('\u0000')) throw new Rejection(`bad ${name}: ${shown(found)}`);
    return found;
  };
  const tickerText = field('ticker');
  const ticker = typeof tickerText === 'string' ? tickerText : undefined;
  try {
    if (ticker === undefined) throw new Rejection(`missing or bad ticker: ${shown(tickerText)}`);
    const parsed = parseTicker(ticker);
    if (!parsed.ok) throw new Rejection(`bad ticker: ${parsed.reason}`);
    const own = parsed.value;

    const type = text('contract_type');
    if (type !== undefined && !CONTRACT_TYPES.has(type)) throw new Rejection(`bad contract_type: ${shown(type)}`);
    if (type !== undefined && type !== 'other' && type !== own.contractType) throw new Rejection(`contract_type ${type} contradicts the ticker (${own.contractType})`);
    const expiration = text('expiration_date');
    if (expiration !== undefined && expiration !== own.expirationDate) throw new Rejection(`expiration_date ${expiration} contradicts the ticker (${own.expirationDate})`);
    const strike = field('strike_price');
    if (strike !== undefined) {
      if (!isLosslessNumber(strike)) throw new Rejection(`bad strike_price: ${shown(strike)}`);
      if (thousandths(strike.value) !== own.strikeThousandths) throw new Rejection(`strike_price ${strike.value} contradicts the ticker (${own.strikePrice})`);
    }
    const style = text('exercise_style');
    if (style !== undefined && !EXERCISE_STYLES.has(style)) throw new Rejection(`bad exercise_style: ${shown(style)}`);
    const shares = field('shares_per_contract');
    let sharesPerContract: number | null = null;
    if (shares !== undefined) {
      if (!isLosslessNumber(shares) || !isIntegerText(shares.value) || BigInt(shares.value) < 1n || BigInt(shares.value) > MAX_INTEGER) {
        throw new Rejection(`bad shares_per_contract: ${shown(shares)}`);
      }
      sharesPerContract = Number(shares.value);
    }
    const contract = contractFromTicker(own, {
      underlyingTicker: indexForm(text('underlying_ticker'), own.root),
      sharesPerContract,
      exerciseStyle: (style ?? null) as ExerciseStyleText | null,
      primaryExchange: text('primary_exchange') ?? null,
    });
    return { ok: true, contract };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, ticker, reason: error.message };
    throw error;
  }
}

class Rejection extends Error {}

/**
 * The reference may name an index option's underlying without the `I:` prefix ("SPX")
 * while snapshots name it `I:SPX`: stored as the snapshots do, so the two sources never
 * overwrite each other's value. Only for roots known to be index roots.
 */
function indexForm(underlying: string | undefined, root: string): string | null {
  if (underlying === undefined) return null;
  return guessUnderlying(root) === `I:${underlying}` ? `I:${underlying}` : underlying;
}

function thousandths(text: string): number | undefined {
  try {
    return thousandthsFromStrike(text);
  } catch {
    return undefined;
  }
}

function shown(value: JsonValue | undefined): string {
  if (value === undefined) return 'missing';
  if (isLosslessNumber(value)) return value.value;
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
