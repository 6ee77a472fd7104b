/**
 * Seeded pseudo-random numbers for the sample generator: xoshiro128** seeded through
 * splitmix32, plus the few distributions the market model draws from.
 *
 * Written here instead of taken from a package on purpose: it is about sixty lines, and a
 * sample must come out byte-for-byte the same for the same seed, which must not hinge on a
 * dependency's release. Not for cryptography.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * `stream` picks an independent sequence for the same seed, so each underlying draws its
   * own numbers and one chain's size never shifts another chain's values.
   */
  constructor(seed: number, stream = 0) {
    let state = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) | 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the one state xoshiro cannot leave
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return (result >>> 0) / 4_294_967_296;
  }

  between(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [low, high], both included. */
  integer(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('Random.pick: no items');
    return item;
  }

  /** Standard normal (Box–Muller; one draw per call keeps the sequence easy to reason about). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** e^(mu + sigma·Z): skewed, always positive (prices, sizes). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /**
   * Pareto with minimum 1 and tail index `alpha`: P(X > x) = x^-alpha. For alpha < 2 the
   * variance is infinite — the few huge volume and open-interest figures of real chains.
   */
  pareto(alpha: number): number {
    return (1 - this.next()) ** (-1 / alpha);
  }

  /** 32 random bits as 8 hex digits. */
  hex8(): string {
    return Math.floor(this.next() * 4_294_967_296)
      .toString(16)
      .padStart(8, '0');
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A uniform number in [0, 1) fixed by `key` alone (FNV-1a, then a splitmix finalizer): the
 * same for a contract on every date, where a `Random` stream would draw afresh each day.
 */
export function uniformOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return ((hash ^ (hash >>> 16)) >>> 0) / 4_294_967_296;
}
