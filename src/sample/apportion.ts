/**
 * Splits a whole number across parts in proportion to weights, each part capped — how the
 * sample shares its contracts among underlyings and an underlying's strikes among its
 * expirations. Largest remainders, ties to the earlier part, so the result is exact and
 * reproducible. Returns undefined when the caps together hold less than `total`.
 */
export function apportion(total: number, weights: readonly number[], caps: readonly number[]): number[] | undefined {
  const shares = weights.map(() => 0);
  if (caps.reduce((sum, cap) => sum + cap, 0) < total) return undefined;
  const open = new Set(weights.map((_, i) => i));
  let left = total;
  // Each round fills every part whose proportional share would pass its cap, then shares
  // what is left among the others; at most one round per part.
  while (left > 0) {
    const weightLeft = [...open].reduce((sum, i) => sum + weights[i]!, 0);
    const full = [...open].filter((i) => (left * weights[i]!) / weightLeft >= caps[i]!);
    if (full.length === 0) {
      const exact = [...open].map((i) => ({ i, share: (left * weights[i]!) / weightLeft }));
      for (const { i, share } of exact) shares[i] = Math.floor(share);
      let rest = left - exact.reduce((sum, { share }) => sum + Math.floor(share), 0);
      const byRemainder = exact.sort((p, q) => q.share - Math.floor(q.share) - (p.share - Math.floor(p.share)) || p.i - q.i);
      for (const { i } of byRemainder) {
        if (rest === 0) break;
        shares[i]! += 1;
        rest--;
      }
      return shares;
    }
    for (const i of full) {
      shares[i] = caps[i]!;
      left -= caps[i]!;
      open.delete(i);
    }
  }
  return shares;
}
