/**
 * A contract as one input row knows it. What the ticker says (root, type, expiration,
 * strike) is always known; the rest only when the source carries it — `null` means
 * "this source does not say", and never overwrites a known value.
 */
import { type OptionTicker, thousandthsFromStrike } from './ticker.js';

export type ContractTypeText = 'call' | 'put' | 'other';
export type ExerciseStyleText = 'american' | 'european' | 'bermudan';

const CONTRACT_TYPES: readonly string[] = ['call', 'put', 'other'] satisfies ContractTypeText[];
const EXERCISE_STYLES: readonly string[] = ['american', 'european', 'bermudan'] satisfies ExerciseStyleText[];
// shares_per_contract is an integer column.
const MAX_SHARES_PER_CONTRACT = 2_147_483_647n;

export interface ContractRow {
  readonly ticker: string;
  readonly root: string;
  readonly contractType: ContractTypeText;
  readonly expirationDate: string;
  readonly strikePrice: string;
  /** Given by the source, or null. */
  readonly underlyingTicker: string | null;
  /** Used only when the contract is created and no source has said: see guessUnderlying. */
  readonly underlyingGuess: string;
  readonly sharesPerContract: number | null;
  readonly exerciseStyle: ExerciseStyleText | null;
  readonly primaryExchange: string | null;
}

// Roots that are not the underlying's symbol: index weeklies and PM-settled series.
const INDEX_ROOTS: Record<string, string> = {
  SPX: 'I:SPX',
  SPXW: 'I:SPX',
  SPXPM: 'I:SPX',
  XSP: 'I:XSP',
  NDX: 'I:NDX',
  NDXP: 'I:NDX',
  RUT: 'I:RUT',
  RUTW: 'I:RUT',
  VIX: 'I:VIX',
  VIXW: 'I:VIX',
  DJX: 'I:DJX',
};

/**
 * The underlying of a contract when no source names it: index roots map to their index,
 * adjusted roots lose their trailing digit (`GME1` → `GME`), others are their own
 * underlying. A later source that knows better replaces the guess.
 */
export function guessUnderlying(root: string): string {
  return INDEX_ROOTS[root] ?? (root.replace(/\d+$/, '') || root);
}

/**
 * What a record states about its contract besides the ticker, as the record wrote it:
 * text (numbers as their digits), null where it says nothing. Its reader has checked the
 * JSON types; the rules below are the same for every source.
 */
export interface StatedContract {
  readonly contractType: string | null;
  readonly expirationDate: string | null;
  readonly strikePrice: string | null;
  readonly exerciseStyle: string | null;
  /** Integer text. */
  readonly sharesPerContract: string | null;
}

export type CheckedContract = { ok: true; known: Pick<ContractRow, 'exerciseStyle' | 'sharesPerContract'> } | { ok: false; reason: string };

/**
 * The rules for what a record states about its contract (snapshots and the contracts
 * reference alike): each value must be one its column holds, and what the ticker also
 * says (type, expiration, strike) must agree with it — a record that contradicts its own
 * ticker is corrupt, and storing either half would be a guess. The strike is compared
 * exactly, in thousandths. A contract_type of `other` contradicts no ticker. Reasons name
 * each field as the record does: `prefix` + its name (e.g. `details.`).
 */
export function checkStatedContract(ticker: OptionTicker, stated: StatedContract, prefix = ''): CheckedContract {
  const { contractType, expirationDate, strikePrice, exerciseStyle, sharesPerContract } = stated;
  const fail = (reason: string): CheckedContract => ({ ok: false, reason });
  if (contractType !== null && !CONTRACT_TYPES.includes(contractType)) return fail(`bad ${prefix}contract_type: ${shown(contractType)}`);
  if (contractType !== null && contractType !== 'other' && contractType !== ticker.contractType) {
    return fail(`${prefix}contract_type ${contractType} contradicts the ticker (${ticker.contractType})`);
  }
  if (expirationDate !== null && expirationDate !== ticker.expirationDate) {
    return fail(`${prefix}expiration_date ${expirationDate} contradicts the ticker (${ticker.expirationDate})`);
  }
  if (strikePrice !== null && strikeThousandths(strikePrice) !== ticker.strikeThousandths) {
    const strike = strikePrice.length > 40 ? `${strikePrice.slice(0, 40)}…` : strikePrice;
    return fail(`${prefix}strike_price ${strike} contradicts the ticker (${ticker.strikePrice})`);
  }
  if (exerciseStyle !== null && !isExerciseStyle(exerciseStyle)) return fail(`bad ${prefix}exercise_style: ${shown(exerciseStyle)}`);
  if (sharesPerContract !== null && (BigInt(sharesPerContract) < 1n || BigInt(sharesPerContract) > MAX_SHARES_PER_CONTRACT)) {
    return fail(`bad ${prefix}shares_per_contract: ${sharesPerContract}`);
  }
  return {
    ok: true,
    known: {
      exerciseStyle,
      sharesPerContract: sharesPerContract === null ? null : Number(sharesPerContract),
    },
  };
}

function isExerciseStyle(text: string): text is ExerciseStyleText {
  return EXERCISE_STYLES.includes(text);
}

/** A strike as the ticker encodes it, or undefined when the text is no strike a ticker can carry. */
function strikeThousandths(text: string): number | undefined {
  try {
    return thousandthsFromStrike(text);
  } catch {
    return undefined;
  }
}

/** A bad value in a reason: quoted, and cut short when long. */
function shown(text: string): string {
  const quoted = JSON.stringify(text);
  return quoted.length > 40 ? `${quoted.slice(0, 40)}…` : quoted;
}

export function contractFromTicker(
  ticker: OptionTicker,
  known?: Partial<Pick<ContractRow, 'underlyingTicker' | 'sharesPerContract' | 'exerciseStyle' | 'primaryExchange'>>,
): ContractRow {
  return {
    ticker: ticker.ticker,
    root: ticker.root,
    contractType: ticker.contractType,
    expirationDate: ticker.expirationDate,
    strikePrice: ticker.strikePrice,
    underlyingTicker: known?.underlyingTicker ?? null,
    underlyingGuess: underlyingGuessOf(ticker.root),
    sharesPerContract: known?.sharesPerContract ?? null,
    exerciseStyle: known?.exerciseStyle ?? null,
    primaryExchange: known?.primaryExchange ?? null,
  };
}

// A file's tickers come a chain at a time: the last root's guess is kept.
let lastRoot = '';
let lastGuess = '';

function underlyingGuessOf(root: string): string {
  if (root !== lastRoot) {
    lastGuess = guessUnderlying(root);
    lastRoot = root;
  }
  return lastGuess;
}

/** Two rows' knowledge of the same contract combined: later non-null values win. */
export function mergeContracts(earlier: ContractRow, later: ContractRow): ContractRow {
  return {
    ...earlier,
    underlyingTicker: later.underlyingTicker ?? earlier.underlyingTicker,
    sharesPerContract: later.sharesPerContract ?? earlier.sharesPerContract,
    exerciseStyle: later.exerciseStyle ?? earlier.exerciseStyle,
    primaryExchange: later.primaryExchange ?? earlier.primaryExchange,
  };
}

/** Contracts gathered from many rows: one per ticker, what the rows know of it merged. */
export class ContractSet {
  private readonly byTicker = new Map<string, ContractRow>();

  add(contract: ContractRow): void {
    const known = this.byTicker.get(contract.ticker);
    this.byTicker.set(contract.ticker, known ? mergeContracts(known, contract) : contract);
  }

  /** In ticker order: the order writers lock them in, so that concurrent writers cannot deadlock. */
  sorted(): ContractRow[] {
    return [...this.byTicker.values()].sort((a, b) => (a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : 0));
  }
}
