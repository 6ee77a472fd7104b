/**
 * One contract's day on the market: quote, last trade, day bar, volume and open interest,
 * drawn around its theoretical value.
 *
 * Activity is heavy-tailed and concentrated where real activity is: volume peaks at the
 * money and near expiry and is most often zero far out; a traded contract's volume is
 * Pareto-distributed, so a few contracts carry most of the day. Spreads are tight for
 * liquid contracts and wide for the rest. Whether a contract trades at all is drawn once
 * per contract, not per day: the contracts of consecutive days' files are mostly the
 * same, as in real flat files, with a few percent joining or leaving as prices move and
 * expirations roll.
 */
import { RISK_FREE_RATE, blackScholes } from './black-scholes.js';
import type { ChainContract } from './chain.js';
import { ceilToTick, floorToTick, nearestTick, roundTo } from './price-ticks.js';
import { type Random, uniformOf } from './random.js';
import { SESSION_LENGTH_NS, type TradingSession, sessionTimeNs } from './trading-session.js';

export interface Quote {
  readonly bidCents: number;
  readonly askCents: number;
  readonly bidSize: number;
  readonly askSize: number;
  readonly timeNs: bigint;
}

export interface Trade {
  readonly priceCents: number;
  readonly size: number;
  readonly exchange: number;
  readonly conditions: readonly number[];
  readonly timeNs: bigint;
}

/** Only for contracts that traded: low <= open, close <= high. */
export interface DayBar {
  readonly openCents: number;
  readonly highCents: number;
  readonly lowCents: number;
  readonly closeCents: number;
  /** Volume-weighted average price in dollars, 4 decimals, within [low, high]. */
  readonly vwap: number;
}

export interface ContractDay {
  readonly session: TradingSession;
  readonly quote: Quote;
  readonly volume: number;
  /** Number of trades, 1..volume (0 when volume is 0). */
  readonly transactions: number;
  readonly openInterest: number;
  /** The theoretical value at the previous session's underlying close, on the tick grid. */
  readonly previousCloseCents: number;
  readonly bar: DayBar | undefined;
  readonly trade: Trade | undefined;
  /** False where a vendor would leave greeks and implied volatility out (see below). */
  readonly greeksShown: boolean;
}

const VOLUME_SCALE = 150; // expected contracts at the money about to expire, for weight 1
const OPEN_INTEREST_SCALE = 800;
// The real snapshot Polygon's documentation shows (test/harness/polygon-fixtures.ts) has
// exchange 302 and condition 209. The other ids are plausible values from the same range,
// not a venue mapping; index options get 302 only because they trade on a single
// exchange. No other condition codes: their meanings are not something synthetic data
// should guess.
const STOCK_OPTION_EXCHANGES = [300, 301, 302, 303, 304, 307, 308, 309, 312, 313, 315, 316, 319, 322, 323, 325];
const CONDITIONS = [209] as const;

export function simulateDay(contract: ChainContract, session: TradingSession, random: Random): ContractDay {
  const { underlying, value } = contract;
  const forward = underlying.spot * Math.exp(RISK_FREE_RATE * contract.years);
  const deviations = Math.log(contract.strike / forward) / (contract.impliedVol * Math.sqrt(contract.years));

  const expected = (VOLUME_SCALE * underlying.weight * bell(deviations, 1.2)) / (1 + 30 * contract.years);
  const volume = uniformOf(contract.ticker) < expected / (expected + 10) ? Math.max(1, Math.round(0.2 * expected * random.pareto(1.3))) : 0;
  // Open interest builds up over a contract's life: more of it further out, and wider.
  const expectedInterest = OPEN_INTEREST_SCALE * underlying.weight * bell(deviations, 2) * Math.min(1, 0.3 + 3 * contract.years);
  const openInterest = random.chance(expectedInterest / (expectedInterest + 5))
    ? Math.max(1, Math.round(0.15 * expectedInterest * random.pareto(1.6)))
    : 0;

  const liquidity = Math.min(1, expected / 50);
  const trade = volume > 0 ? lastTrade(contract, session, random, volume) : undefined;
  const quote = lastQuote(value.price, liquidity, session, random, trade);
  const transactions = volume <= 1 ? volume : Math.min(volume, Math.max(1, Math.round(volume * random.between(0.05, 0.6))));
  const previousYears = contract.years + session.daysSincePreviousSession / 365;
  const previous = blackScholes(contract.contractType, underlying.previousClose, contract.strike, previousYears, contract.impliedVol);
  const previousCloseCents = nearestTick(previous.price);

  return {
    session,
    quote,
    volume,
    transactions,
    openInterest,
    previousCloseCents,
    bar: trade && dayBar(trade.priceCents, previousCloseCents, transactions, random),
    trade: trade && (transactions === 1 ? { ...trade, size: volume } : trade),
    greeksShown: greeksShown(value.delta, value.gamma, value.vega, random),
  };
}

/** exp(−x²/2w²): 1 at the money, falling off over about `width` standard deviations. */
function bell(x: number, width: number): number {
  return Math.exp(-(x * x) / (2 * width * width));
}

function lastTrade(contract: ChainContract, session: TradingSession, random: Random, volume: number): Trade {
  const price = contract.value.price * random.between(0.97, 1.03);
  // Busy contracts last traded near the close, quiet ones any time.
  const fraction = random.next() ** (1 / (1 + Math.log10(volume)));
  return {
    priceCents: nearestTick(price),
    size: Math.min(volume, Math.max(1, Math.round(random.pareto(1.5)))),
    exchange: contract.underlying.kind === 'index' ? 302 : random.pick(STOCK_OPTION_EXCHANGES),
    conditions: CONDITIONS,
    timeNs: sessionTimeNs(session, fraction),
  };
}

function lastQuote(price: number, liquidity: number, session: TradingSession, random: Random, trade: Trade | undefined): Quote {
  // Half-spread grows with the square root of the price: a few cents on cheap options,
  // dollars on deep in-the-money index options; wider where little trades.
  const half = 0.005 + 0.03 * Math.sqrt(price) * (0.3 + (1 - liquidity)) * random.between(0.7, 1.3);
  const bidCents = floorToTick(price - half);
  let askCents = ceilToTick(price + half);
  if (askCents <= bidCents) askCents = bidCents + (bidCents >= 300 ? 5 : 1);
  const depth = Math.log(10 + 200 * liquidity);
  // A quote updates after the last trade; with no trade, usually late in the day.
  const tradeFraction = trade ? Number(trade.timeNs - session.openNs) / SESSION_LENGTH_NS : 0;
  const fraction = trade ? tradeFraction + (1 - tradeFraction) * random.next() : random.next() ** (1 / 3);
  return {
    bidCents,
    askCents,
    bidSize: Math.max(1, Math.round(random.lognormal(depth, 1))),
    askSize: Math.max(1, Math.round(random.lognormal(depth, 1))),
    timeNs: sessionTimeNs(session, fraction),
  };
}

function dayBar(closeCents: number, previousCloseCents: number, transactions: number, random: Random): DayBar {
  if (transactions === 1) {
    return { openCents: closeCents, highCents: closeCents, lowCents: closeCents, closeCents, vwap: closeCents / 100 };
  }
  const openCents = nearestTick((previousCloseCents / 100) * Math.exp(0.15 * random.normal()));
  const highCents = ceilToTick((Math.max(openCents, closeCents) / 100) * (1 + 0.08 * Math.abs(random.normal())));
  const lowCents = Math.max(1, floorToTick((Math.min(openCents, closeCents) / 100) * (1 - 0.08 * Math.abs(random.normal()))));
  const vwap = roundTo((lowCents + (highCents - lowCents) * random.next()) / 100, 4);
  return { openCents, highCents, lowCents, closeCents, vwap };
}

/**
 * Vendors leave greeks and implied volatility out where a price carries no information
 * about volatility: the model's own degenerate cases (delta within a millionth of 0 or
 * ±1), and — as the real API does — some deep-in-the-money contracts.
 */
function greeksShown(delta: number, gamma: number, vega: number, random: Random): boolean {
  const size = Math.abs(delta);
  if (!(size >= 1e-6 && size <= 1 - 1e-6 && gamma > 0 && vega > 0)) return false;
  return !(size > 0.95 && random.chance(0.3));
}
