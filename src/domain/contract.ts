/**
 * A contract as one input row knows it. What the ticker says (root, type, expiration,
 * strike) is always known; the rest only when the source carries it — `null` means
 * "this source does not say", and never overwrites a known value.
 */
import type { OptionTicker } from './ticker.js';

export type ContractTypeText = 'call' | 'put' | 'other';
export type ExerciseStyleText = 'american' | 'european' | 'bermudan';

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

export function contractFromTicker(ticker: OptionTicker, known: Partial<Pick<ContractRow, 'underlyingTicker' | 'sharesPerContract' | 'exerciseStyle' | 'primaryExchange'>> = {}): ContractRow {
  return {
    ticker: ticker.ticker,
    root: ticker.root,
    contractType: ticker.contractType,
    expirationDate: ticker.expirationDate,
    strikePrice: ticker.strikePrice,
    underlyingTicker: known.underlyingTicker ?? null,
    underlyingGuess: guessUnderlying(ticker.root),
    sharesPerContract: known.sharesPerContract ?? null,
    exerciseStyle: known.exerciseStyle ?? null,
    primaryExchange: known.primaryExchange ?? null,
  };
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
