/**
 * The underlyings of a sample: well-known names first, then generated tickers. Levels,
 * volatilities and sizes are rough late-2025 magnitudes, jittered by the seed — realistic
 * in shape, not market data.
 */
import type { Random } from './random.js';

export interface Underlying {
  /** As Polygon writes it: `AAPL`, or `I:SPX` for an index. */
  readonly ticker: string;
  readonly kind: 'stock' | 'index';
  /** Root of the Friday weeklies (`SPXW` for I:SPX) and of the third-Friday monthlies (`SPX`). */
  readonly weeklyRoot: string;
  readonly monthlyRoot: string;
  readonly exerciseStyle: 'american' | 'european';
  /** Last price (stocks) or value (indices), in cents precision. */
  readonly spot: number;
  readonly previousClose: number;
  /** At-the-money implied volatility for about three months out. */
  readonly baseVol: number;
  /** Smile shape, see smile.ts. Negative skew means calls are richer (meme stocks). */
  readonly skew: number;
  readonly curvature: number;
  /** Relative size: its share of the contracts and how much its options trade. */
  readonly weight: number;
}

interface KnownName {
  ticker: string;
  spot: number;
  vol: number;
  weight: number;
  skew: number;
  roots?: [weekly: string, monthly: string];
}

// I:SPX fifth, so that any sample of five or more underlyings has an index with its two
// roots (PM-settled SPXW weeklies, AM-settled SPX monthlies).
const KNOWN: readonly KnownName[] = [
  { ticker: 'SPY', spot: 665, vol: 0.16, weight: 8, skew: 0.45 },
  { ticker: 'QQQ', spot: 600, vol: 0.2, weight: 6, skew: 0.4 },
  { ticker: 'AAPL', spot: 270, vol: 0.25, weight: 4, skew: 0.2 },
  { ticker: 'TSLA', spot: 400, vol: 0.55, weight: 5, skew: 0.1 },
  { ticker: 'I:SPX', spot: 6650, vol: 0.16, weight: 10, skew: 0.5, roots: ['SPXW', 'SPX'] },
  { ticker: 'NVDA', spot: 185, vol: 0.45, weight: 5, skew: 0.15 },
  { ticker: 'AMZN', spot: 225, vol: 0.32, weight: 3, skew: 0.2 },
  { ticker: 'META', spot: 600, vol: 0.35, weight: 3, skew: 0.2 },
  { ticker: 'MSFT', spot: 480, vol: 0.24, weight: 3, skew: 0.2 },
  { ticker: 'IWM', spot: 240, vol: 0.22, weight: 3, skew: 0.35 },
  { ticker: 'GME', spot: 22, vol: 0.65, weight: 1.5, skew: -0.05 },
  { ticker: 'AMD', spot: 230, vol: 0.5, weight: 2.5, skew: 0.12 },
  { ticker: 'GOOGL', spot: 290, vol: 0.3, weight: 2.5, skew: 0.2 },
  { ticker: 'PLTR', spot: 170, vol: 0.6, weight: 2, skew: 0.05 },
  { ticker: 'I:NDX', spot: 24_500, vol: 0.2, weight: 1.5, skew: 0.45, roots: ['NDXP', 'NDX'] },
  { ticker: 'BAC', spot: 52, vol: 0.25, weight: 1, skew: 0.25 },
  { ticker: 'F', spot: 13, vol: 0.3, weight: 1, skew: 0.2 },
  { ticker: 'COIN', spot: 260, vol: 0.7, weight: 1.5, skew: 0.05 },
  { ticker: 'SOFI', spot: 27, vol: 0.7, weight: 1, skew: 0.05 },
  { ticker: 'INTC', spot: 35, vol: 0.5, weight: 1.2, skew: 0.1 },
  { ticker: 'XLF', spot: 52, vol: 0.18, weight: 0.8, skew: 0.35 },
  { ticker: 'I:RUT', spot: 2400, vol: 0.22, weight: 1, skew: 0.4, roots: ['RUTW', 'RUT'] },
  { ticker: 'SMCI', spot: 35, vol: 0.8, weight: 1, skew: 0.05 },
  { ticker: 'HOOD', spot: 120, vol: 0.7, weight: 1.5, skew: 0.05 },
];

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `count` underlyings; the same seed and count always give the same list. */
export function buildUniverse(count: number, random: Random): Underlying[] {
  const universe: Underlying[] = [];
  // Index roots too: a generated stock called SPX would list tickers that clash with I:SPX's.
  const taken = new Set<string>(KNOWN.flatMap((name) => [name.ticker, ...(name.roots ?? [])]));
  for (const name of KNOWN.slice(0, count)) universe.push(known(name, random));
  while (universe.length < count) universe.push(generated(newTicker(taken, random), random));
  return universe;
}

function known(name: KnownName, random: Random): Underlying {
  const index = name.ticker.startsWith('I:');
  const root = index ? name.ticker.slice(2) : name.ticker;
  return finish(random, {
    ticker: name.ticker,
    kind: index ? 'index' : 'stock',
    weeklyRoot: name.roots?.[0] ?? root,
    monthlyRoot: name.roots?.[1] ?? root,
    exerciseStyle: index ? 'european' : 'american',
    spot: name.spot * Math.exp(0.08 * random.normal()),
    baseVol: name.vol * Math.exp(0.1 * random.normal()),
    skew: name.skew,
    curvature: random.between(0.2, 0.5),
    weight: name.weight,
  });
}

function generated(ticker: string, random: Random): Underlying {
  return finish(random, {
    ticker,
    kind: 'stock',
    weeklyRoot: ticker,
    monthlyRoot: ticker,
    exerciseStyle: 'american',
    // Median about $40, spread lognormally over the 5..800 range of listed stocks.
    spot: clamp(random.lognormal(Math.log(40), 1), 5, 800),
    baseVol: clamp(random.lognormal(Math.log(0.4), 0.35), 0.15, 1.5),
    skew: random.between(0.05, 0.3),
    curvature: random.between(0.2, 0.6),
    // Most listed names are thin: a heavy-tailed size well below the known names'.
    weight: Math.min(2, 0.1 * random.pareto(1.2)),
  });
}

function finish(random: Random, u: Omit<Underlying, 'previousClose'>): Underlying {
  const spot = roundCents(u.spot);
  const dailyMove = (u.baseVol / Math.sqrt(252)) * random.normal();
  return { ...u, spot, previousClose: roundCents(spot / Math.exp(dailyMove)) };
}

/** 2 to 4 letters, not yet used. */
function newTicker(taken: Set<string>, random: Random): string {
  for (;;) {
    const length = random.integer(2, 4);
    let ticker = '';
    for (let i = 0; i < length; i++) ticker += LETTERS[random.integer(0, 25)];
    if (!taken.has(ticker)) {
      taken.add(ticker);
      return ticker;
    }
  }
}

function roundCents(value: number): number {
  return Math.max(1, Math.round(value * 100)) / 100;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
