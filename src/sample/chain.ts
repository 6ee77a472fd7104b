/**
 * The listed contracts of one underlying with their theoretical values: series (see
 * expirations.ts) × strikes (strikes.ts) × call and put, priced with Black–Scholes at the
 * smile's volatility. Yielded one at a time, a call and then its put, nearest expiry
 * first.
 */
import { type ContractType, formatTicker } from '../domain/ticker.js';
import { apportion } from './apportion.js';
import { type OptionValue, blackScholes } from './black-scholes.js';
import { type Series, listSeries } from './expirations.js';
import { impliedVol } from './smile.js';
import { strikeCapacity, strikeLadder } from './strikes.js';
import type { Underlying } from './universe.js';

export interface ChainContract {
  readonly underlying: Underlying;
  readonly ticker: string;
  readonly root: string;
  readonly expirationDate: string;
  readonly contractType: ContractType;
  readonly strikeThousandths: number;
  readonly strike: number;
  /**
   * Time to expiry used for pricing. Measured to an hour before the close so that a
   * contract expiring on the sample date still has some time value.
   */
  readonly years: number;
  readonly impliedVol: number;
  /** Black–Scholes at `impliedVol`, spot `underlying.spot`, RISK_FREE_RATE. */
  readonly value: OptionValue;
}

/** Fewer strikes per series than this and the chain lists fewer expirations instead. */
const MIN_STRIKES_PER_SERIES = 6;

/** The most call–put pairs `chainContracts` can list for this underlying on `date`. */
export function chainCapacity(underlying: Underlying, date: string): number {
  return listSeries(underlying, date).length * strikeCapacity(underlying.spot);
}

/** `pairs` strikes (0..chainCapacity), each as a call and a put: 2 × pairs contracts. */
export function* chainContracts(underlying: Underlying, date: string, pairs: number): Generator<ChainContract> {
  if (pairs <= 0) return;
  const series = chosenSeries(listSeries(underlying, date), pairs);
  const capacity = strikeCapacity(underlying.spot);
  const counts = apportion(
    pairs,
    series.map((s) => 1 + Math.sqrt(s.daysToExpiry / 365)), // later expirations list a few more strikes
    series.map(() => capacity),
  );
  if (!counts) throw new RangeError(`chainContracts: ${pairs} pairs exceed the capacity of ${underlying.ticker}`);

  for (const [i, s] of series.entries()) {
    const years = (s.daysToExpiry + 1 / 24) / 365;
    const strikes = strikeLadder(underlying.spot, years, underlying.baseVol, counts[i]!);
    for (const strikeThousandths of strikes) {
      const strike = strikeThousandths / 1000;
      const vol = impliedVol(underlying, years, strike);
      for (const contractType of ['call', 'put'] as const) {
        yield {
          underlying,
          ticker: formatTicker({ root: s.root, expirationDate: s.expirationDate, contractType, strikeThousandths }),
          root: s.root,
          expirationDate: s.expirationDate,
          contractType,
          strikeThousandths,
          strike,
          years,
          impliedVol: vol,
          value: blackScholes(contractType, underlying.spot, strike, years, vol),
        };
      }
    }
  }
}

/**
 * A small chain lists monthlies before weeklies (as thinly traded names do), then the
 * nearest; the result is back in date order.
 */
function chosenSeries(all: Series[], pairs: number): Series[] {
  const wanted = Math.min(all.length, Math.max(1, Math.floor(pairs / MIN_STRIKES_PER_SERIES)));
  if (wanted === all.length) return all;
  const preferred = [...all].sort((a, b) => Number(b.monthly) - Number(a.monthly) || a.daysToExpiry - b.daysToExpiry);
  const kept = new Set(preferred.slice(0, wanted));
  return all.filter((s) => kept.has(s));
}
