/**
 * Option prices on the exchange grid, as integer cents: one cent below $3, five cents from
 * $3 up. Cents keep the arithmetic exact; `dollars` turns them back into the JSON/CSV
 * number (cents / 100 is the double nearest the 2-decimal value, so it prints cleanly).
 */
const WIDE_FROM = 300;

export function floorToTick(price: number): number {
  const cents = Math.floor(price * 100 + 1e-7);
  return cents >= WIDE_FROM ? Math.floor(cents / 5) * 5 : Math.max(0, cents);
}

export function ceilToTick(price: number): number {
  const cents = Math.ceil(price * 100 - 1e-7);
  return cents > WIDE_FROM ? Math.ceil(cents / 5) * 5 : Math.max(0, cents);
}

/** Nearest price on the grid, never below one tick (nothing trades at zero). */
export function nearestTick(price: number): number {
  const cents = Math.round(price * 100);
  return Math.max(1, cents >= WIDE_FROM ? Math.round(cents / 5) * 5 : cents);
}

export function dollars(cents: number): number {
  return cents / 100;
}

export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** Greeks and volatilities: six significant digits, like a vendor's feed, not 17. */
export function significant(value: number): number {
  return Number(value.toPrecision(6));
}
