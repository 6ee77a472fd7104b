/**
 * Black–Scholes values of European options with no dividends, for the sample's theoretical
 * prices and greeks. Hand-written (a normal CDF and five formulas) rather than a package:
 * it is small, domain-specific, and its exact arithmetic is part of the sample's
 * reproducibility. American stock options are priced the same way; with no dividends an
 * American call is worth exactly the European one, and the early-exercise premium of puts
 * does not matter for synthetic data.
 */
import type { ContractType } from '../domain/ticker.js';

/** Continuously compounded risk-free rate used for every contract (about US T-bills, 2025). */
export const RISK_FREE_RATE = 0.04;

export interface OptionValue {
  readonly price: number;
  readonly delta: number;
  readonly gamma: number;
  /** Per calendar day (the annual theta / 365), as quoted by data vendors. */
  readonly theta: number;
  /** Per 1 volatility point (the derivative / 100). */
  readonly vega: number;
}

/**
 * `years` must be > 0 and `vol` > 0 (annualised). Both call and put use the same
 * d1/d2 and N(−x) = 1 − N(x) exactly as computed by normalCdf, so put–call parity
 * C − P = S − K·e^(−rT) holds to rounding error.
 */
export function blackScholes(
  type: ContractType,
  spot: number,
  strike: number,
  years: number,
  vol: number,
  rate = RISK_FREE_RATE,
): OptionValue {
  const sqrtT = Math.sqrt(years);
  const d1 = (Math.log(spot / strike) + (rate + (vol * vol) / 2) * years) / (vol * sqrtT);
  const d2 = d1 - vol * sqrtT;
  const discount = Math.exp(-rate * years);
  const density = normalPdf(d1);
  const gamma = density / (spot * vol * sqrtT);
  const vega = (spot * density * sqrtT) / 100;
  const decay = -(spot * density * vol) / (2 * sqrtT);
  if (type === 'call') {
    const nd1 = normalCdf(d1);
    const nd2 = normalCdf(d2);
    return {
      price: spot * nd1 - strike * discount * nd2,
      delta: nd1,
      gamma,
      theta: (decay - rate * strike * discount * nd2) / 365,
      vega,
    };
  }
  const nMinusD1 = normalCdf(-d1);
  const nMinusD2 = normalCdf(-d2);
  return {
    price: strike * discount * nMinusD2 - spot * nMinusD1,
    delta: -nMinusD1,
    gamma,
    theta: (decay + rate * strike * discount * nMinusD2) / 365,
    vega,
  };
}

export function normalPdf(x: number): number {
  return Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI);
}

/**
 * Standard normal CDF to double precision (Hart's 1968 algorithm as given by G. West,
 * "Better approximations to cumulative normal functions", 2005). The tail value is
 * computed once for |x| and mirrored, so normalCdf(x) + normalCdf(−x) = 1 as exactly as
 * floating point allows — which is what keeps put–call parity.
 */
export function normalCdf(x: number): number {
  const z = Math.abs(x);
  let tail: number;
  if (z > 37) {
    tail = 0;
  } else {
    const e = Math.exp(-(z * z) / 2);
    if (z < 7.07106781186547) {
      let n = 3.52624965998911e-2 * z + 0.700383064443688;
      n = n * z + 6.37396220353165;
      n = n * z + 33.912866078383;
      n = n * z + 112.079291497871;
      n = n * z + 221.213596169931;
      n = n * z + 220.206867912376;
      let d = 8.83883476483184e-2 * z + 1.75566716318264;
      d = d * z + 16.064177579207;
      d = d * z + 86.7807322029461;
      d = d * z + 296.564248779674;
      d = d * z + 637.333633378831;
      d = d * z + 793.826512519948;
      d = d * z + 440.413735824752;
      tail = (e * n) / d;
    } else {
      let d = z + 0.65;
      d = z + 4 / d;
      d = z + 3 / d;
      d = z + 2 / d;
      d = z + 1 / d;
      tail = e / d / 2.506628274631;
    }
  }
  return x > 0 ? 1 - tail : tail;
}
