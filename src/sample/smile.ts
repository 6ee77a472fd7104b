/**
 * Implied volatility by strike and expiry: a base level that is higher for short-dated
 * options, shaped by a skew (out-of-the-money puts dearer) and a curvature (both wings
 * dearer):
 *
 *   iv = base(T) × (1 + skew·(−x) + curvature·x²),  x = ln(K/F) / √T
 *
 * Log-moneyness is divided by √T so that the smile has the same shape in standard
 * deviations at every expiry — which makes it steeper per dollar of strike for near
 * expirations, as real smiles are.
 */
import { RISK_FREE_RATE } from './black-scholes.js';
import type { Underlying } from './universe.js';

const SHORTEST_YEARS = 1 / 52; // below a week, hold the shape instead of letting it explode

export function impliedVol(underlying: Underlying, years: number, strike: number): number {
  const forward = underlying.spot * Math.exp(RISK_FREE_RATE * years);
  const x = Math.log(strike / forward) / Math.sqrt(Math.max(years, SHORTEST_YEARS));
  const base = underlying.baseVol * (1 + 0.2 * Math.exp(-12 * years));
  const shape = 1 + underlying.skew * -x + underlying.curvature * x * x;
  return base * Math.min(3, Math.max(0.5, shape));
}
