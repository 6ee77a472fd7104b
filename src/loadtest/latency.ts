/** Latency percentiles of one step's writes, by the nearest-rank method (no interpolation). */
export interface LatencySummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Sorts `samples` in place; all zero when there are none. */
export function summarizeLatencies(samples: number[]): LatencySummary {
  if (samples.length === 0) return { p50Ms: 0, p99Ms: 0, maxMs: 0 };
  samples.sort((a, b) => a - b);
  return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), maxMs: samples[samples.length - 1]! };
}

/** The smallest sample with at least `p` percent of the samples at or below it. */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
