/**
 * Strike prices of one series, in integer thousandths (the ticker's unit). Listed strikes
 * sit on a price-dependent grid — $0.50 under $25, $1 under $200, $2.50 under $500, $5
 * above — and spread wider for later expirations, where fewer strikes cover a wider range
 * on a coarser grid.
 */
const STEPS = [500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000] as const;
const MAX_STRIKE = 99_999_000; // the largest whole-dollar strike the 8-digit field holds

/** Finest grid for this underlying price, in thousandths. */
export function minimumStep(spot: number): number {
  if (spot < 25) return 500;
  if (spot < 200) return 1_000;
  if (spot < 500) return 2_500;
  return 5_000;
}

/** The most strikes one series can list: the finest grid from 10% to 400% of spot. */
export function strikeCapacity(spot: number): number {
  return gridSize(spot, minimumStep(spot));
}

/**
 * `count` (1..strikeCapacity) ascending strikes centred on the money. The grid is the
 * coarsest one on which `count` strikes still cover about ±3.5 standard deviations to
 * expiry, and never coarser than needed to fit them between 10% and 400% of spot.
 */
export function strikeLadder(spot: number, years: number, vol: number, count: number): number[] {
  const finest = minimumStep(spot);
  const halfWidth = spot * 1000 * Math.min(0.9, 3.5 * vol * Math.sqrt(Math.max(years, 1 / 52)));
  const wanted = Math.max(finest, (2 * halfWidth) / count);
  let i = STEPS.findIndex((step) => step >= wanted);
  if (i < 0) i = STEPS.length - 1;
  while (STEPS[i]! > finest && gridSize(spot, STEPS[i]!) < count) i--;
  const step = STEPS[i]!;

  const { low, high } = bounds(spot, step);
  const money = Math.min(high, Math.max(low, Math.round((spot * 1000) / step) * step));
  let first = money - Math.floor(count / 2) * step;
  first = Math.max(low, Math.min(first, high - (count - 1) * step));
  return Array.from({ length: count }, (_, k) => first + k * step);
}

function bounds(spot: number, step: number): { low: number; high: number } {
  const low = Math.max(step, Math.ceil((spot * 100) / step) * step); // 10% of spot, in thousandths
  const high = Math.floor(Math.min(spot * 4000, MAX_STRIKE) / step) * step;
  return { low, high };
}

function gridSize(spot: number, step: number): number {
  const { low, high } = bounds(spot, step);
  return high < low ? 0 : (high - low) / step + 1;
}
