/**
 * The targets the bench holds optdb to, judged on one run's comparisons: each optdb run
 * against its own floor, the copy path against per-row Prisma, and peak memory. A target
 * whose scenario did not run, or a run at a reduced BENCH_SCALE, cannot be met: `--check`
 * passes only on a full run.
 */
import { rate, type Run } from './measurement.js';
import type { Comparison, ScenarioName } from './scenarios.js';

export interface TargetOutcome {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
  /** How far off a missed target is, in words and seconds. */
  readonly gap: string | undefined;
}

/** At least this many times the floor's rows per second, total wall time. */
const VS_FLOOR: Partial<Record<ScenarioName, number>> = { day1: 2.0, backfill: 3.0, reingest: 2.0, chain: 1.5 };
const CHAIN_ROWS_PER_SECOND = 30_000;
const COPY_VS_PRISMA = 20;
const PEAK_RSS_MB = 300;
/** Whose peak memory is held under PEAK_RSS_MB: every scenario's judged run, and the 5M-row file. */
const MEMORY_SCENARIOS: readonly ScenarioName[] = ['day1', 'backfill', 'reingest', 'chain', '5m'];

export function judgeTargets(comparisons: readonly Comparison[], scale: number): TargetOutcome[] {
  const byName = new Map(comparisons.map((c) => [c.name, c]));
  const outcomes: TargetOutcome[] = [];
  for (const [name, times] of Object.entries(VS_FLOOR) as [ScenarioName, number][]) {
    const comparison = byName.get(name);
    const target = `${comparison?.title ?? name}: at least ${times.toFixed(1)}× the floor`;
    outcomes.push(comparison?.floor ? againstFloor(target, comparison.optdb[0]!, comparison.floor, times) : notRun(target, name));
  }
  const chain = byName.get('chain');
  const chainTarget = `${chain?.title ?? 'chain'}: at least ${CHAIN_ROWS_PER_SECOND.toLocaleString('en-US')} rows/s`;
  outcomes.push(chain ? atRate(chainTarget, chain.optdb[0]!, CHAIN_ROWS_PER_SECOND) : notRun(chainTarget, 'chain'));

  const copy = byName.get('day1')?.optdb[0];
  const prisma = byName.get('prisma')?.optdb[0];
  const prismaTarget = `copy (day 1) at least ${COPY_VS_PRISMA}× per-row Prisma`;
  if (!copy || !prisma) outcomes.push(notRun(prismaTarget, !copy ? 'day1' : 'prisma'));
  else {
    const times = rate(copy) / rate(prisma);
    const met = times >= COPY_VS_PRISMA;
    outcomes.push({
      target: prismaTarget,
      measured: `${times.toFixed(1)}×`,
      met,
      gap: met ? undefined : `${(COPY_VS_PRISMA - times).toFixed(1)}× short`,
    });
  }

  const memoryTarget = `peak RSS under ${PEAK_RSS_MB} MB in every scenario and at 5M rows`;
  const missing = MEMORY_SCENARIOS.filter((name) => !byName.has(name));
  const judged = MEMORY_SCENARIOS.flatMap((name) => (byName.has(name) ? [byName.get(name)!] : []));
  const over = judged.filter((c) => (c.optdb[0]!.peakRssMb ?? Infinity) >= PEAK_RSS_MB);
  const measured = judged.map((c) => `${c.title} ${c.optdb[0]!.peakRssMb} MB`).join(', ');
  if (missing.length > 0) outcomes.push({ ...notRun(memoryTarget, missing.join(', ')), measured: measured || 'nothing' });
  else {
    const gap = over.map((c) => `${c.title} ${c.optdb[0]!.peakRssMb! - PEAK_RSS_MB + 1} MB over`).join(', ');
    outcomes.push({ target: memoryTarget, measured, met: over.length === 0, gap: over.length === 0 ? undefined : gap });
  }

  if (scale !== 1) {
    outcomes.push({
      target: 'measured at full size (BENCH_SCALE=1)',
      measured: `BENCH_SCALE=${scale}`,
      met: false,
      gap: 'every file was cut to this fraction of its rows: fixed costs weigh more, so the figures do not judge the targets',
    });
  }
  return outcomes;
}

function againstFloor(target: string, optdb: Run, floor: Run, times: number): TargetOutcome {
  const measured = rate(optdb) / rate(floor);
  if (measured >= times) return { target, measured: `${measured.toFixed(2)}×`, met: true, gap: undefined };
  const needed = optdb.rows / (times * rate(floor));
  return {
    target,
    measured: `${measured.toFixed(2)}×`,
    met: false,
    gap: `${(times - measured).toFixed(2)}× short: ${seconds(optdb.seconds)} where ${seconds(needed)} would meet it (${percentLess(optdb.seconds, needed)} less time)`,
  };
}

function atRate(target: string, optdb: Run, rowsPerSecond: number): TargetOutcome {
  const measured = `${Math.round(rate(optdb)).toLocaleString('en-US')} rows/s`;
  if (rate(optdb) >= rowsPerSecond) return { target, measured, met: true, gap: undefined };
  const needed = optdb.rows / rowsPerSecond;
  return {
    target,
    measured,
    met: false,
    gap: `${Math.round(rowsPerSecond - rate(optdb)).toLocaleString('en-US')} rows/s short: ${seconds(optdb.seconds)} where ${seconds(needed)} would meet it (${percentLess(optdb.seconds, needed)} less time)`,
  };
}

function notRun(target: string, scenarios: string): TargetOutcome {
  return { target, measured: 'not run', met: false, gap: `unchecked: BENCH_ONLY left out ${scenarios}` };
}

function seconds(value: number): string {
  return `${value.toFixed(1)} s`;
}

function percentLess(now: number, needed: number): string {
  return `${Math.round((100 * (now - needed)) / now)} %`;
}
