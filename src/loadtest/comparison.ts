/** The closing line of a load test: how the paths compare at the largest task count. */
import type { StepResult } from './run-step.js';

/** One sentence per target that ran two or more paths at its largest task count. */
export function compareAtLargestTasks(steps: readonly StepResult[]): string[] {
  const lines: string[] = [];
  for (const target of new Set(steps.map((step) => step.target))) {
    const own = steps.filter((step) => step.target === target);
    const tasks = Math.max(...own.map((step) => step.tasks));
    const compared = own.filter((step) => step.tasks === tasks).sort((a, b) => b.rowsPerSecond - a.rowsPerSecond);
    const fastest = compared[0];
    const slowest = compared[compared.length - 1];
    if (!fastest || !slowest || fastest === slowest) continue;
    const ratio =
      slowest.rowsPerSecond > 0
        ? `${formatRatio(fastest.rowsPerSecond / slowest.rowsPerSecond)} the rows/s of ${slowest.path}`
        : `rows while ${slowest.path} wrote none`;
    lines.push(`${target}: ${fastest.path} wrote ${ratio} at ${tasks} task${tasks === 1 ? '' : 's'}`);
  }
  return lines;
}

function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}×`;
}
