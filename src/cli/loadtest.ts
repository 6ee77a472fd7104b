import { type Command, Option } from 'commander';
import type { Config } from '../config.js';
import { OptdbError } from '../errors.js';
import { compareAtLargestTasks } from '../loadtest/comparison.js';
import { LOADTEST_DEFAULTS, type LoadtestReport, runLoadtest } from '../loadtest/loadtest.js';
import { formatDuration, planLoadtest } from '../loadtest/plan.js';
import type { StepResult } from '../loadtest/run-step.js';
import { WRITE_PATH_NAMES, type WritePathName } from '../loadtest/write-paths.js';
import { checked, integerOption } from './option-parsers.js';
import { say, warn } from './output.js';
import { onInterrupt, onShutdown } from './shutdown.js';
import { printTable } from './table-output.js';
import { describeWriteEvent } from './write-event-text.js';

/** The pooler target's URL when --pooler-url is not given; the one place for a password. */
export const POOLER_URL_VARIABLE = 'OPTDB_POOLER_URL';

interface LoadtestFlags {
  tasks: number[];
  limit: number;
  paths: WritePathName[];
  duration: number;
  poolerUrl?: string;
  maxMinutes: number;
  keepData?: boolean;
  json?: boolean;
}

/** `optdb loadtest`: how each write path holds up as concurrent tasks rise, measured on this database. */
export function registerLoadtest(program: Command, config: () => Config): void {
  program
    .command('loadtest')
    .description(
      "measure writes at rising task counts through a gate, per write path (the per-row Prisma upsert with a nested connect that fails under load vs optdb's write buffer), directly and through a pooler",
    )
    .addOption(
      new Option('--tasks <list>', 'concurrent tasks per step, comma-separated')
        .argParser(checked(parseTasks, 'task counts such as 1,100,500'))
        .default(LOADTEST_DEFAULTS.tasks, LOADTEST_DEFAULTS.tasks.join(',')),
    )
    .option('--limit <n>', 'gate slots: writes running at once', integerOption(1, 100_000), LOADTEST_DEFAULTS.limit)
    .addOption(
      new Option('--paths <list>', `write paths, comma-separated: ${WRITE_PATH_NAMES.join(', ')}`)
        .argParser(checked(parsePaths, `paths from ${WRITE_PATH_NAMES.join(', ')}`))
        .default(LOADTEST_DEFAULTS.paths, LOADTEST_DEFAULTS.paths.join(',')),
    )
    .addOption(
      new Option('--duration <time>', 'writing time per step: 500ms, 3s, 1m')
        .argParser(checked(parseDuration, 'a duration such as 500ms, 3s or 1m'))
        .default(LOADTEST_DEFAULTS.durationMs, formatDuration(LOADTEST_DEFAULTS.durationMs).replace(' ', '')),
    )
    .option(
      '--pooler-url <url>',
      `the same database through a pooler (e.g. PgBouncer), without a password: adds a pooler target (env ${POOLER_URL_VARIABLE}, which may hold one)`,
    )
    .option('--max-minutes <n>', 'refuse a plan longer than this', integerOption(1, 24 * 60), LOADTEST_DEFAULTS.maxMinutes)
    .option('--keep-data', "leave the load test's rows and contracts (underlying OPTDB) in the database")
    .option('--json', 'print { steps: [...], poolSize, durationMs }')
    .addHelpText(
      'after',
      "\nPool per target: OPTDB_POOL_SIZE (set it as large as the failing setup's, e.g. 1,200) and OPTDB_POOL_ACQUIRE_TIMEOUT_MS; the buffer writes\n" +
        'OPTDB_WRITE_CONCURRENCY batches at once. The load test writes contracts of the underlying OPTDB and deletes\n' +
        'them and their rows before and after the run, through DIRECT_URL (default DATABASE_URL).',
    )
    .action(async (flags: LoadtestFlags) => {
      const poolerUrl = resolvePoolerUrl(flags.poolerUrl);
      const cfg = config();
      const plan = planLoadtest({
        pooler: poolerUrl !== undefined,
        paths: flags.paths,
        tasks: flags.tasks,
        durationMs: flags.duration,
        maxMinutes: flags.maxMinutes,
      });
      const intro = `optdb loadtest: ${plan.steps.length} steps × ${formatDuration(flags.duration)} = ${formatDuration(plan.totalMs)} of writing (plus settling), pool ${cfg.poolSize}, limit ${flags.limit}`;
      if (flags.json) warn(intro);
      else say(intro);
      const controller = new AbortController();
      const running = runLoadtest({
        poolerUrl,
        paths: flags.paths,
        tasks: flags.tasks,
        limit: flags.limit,
        durationMs: flags.duration,
        maxMinutes: flags.maxMinutes,
        keepData: flags.keepData,
        config: cfg,
        signal: controller.signal,
        registerCleanup: onShutdown,
        onGateEvent: (event, step) => warn(`optdb: ${step.target} ${step.path} ${step.tasks} tasks: ${describeWriteEvent(event)}`),
        onStep: (step, index, { steps }) => {
          if (!flags.json) warn(`optdb: step ${index + 1}/${steps.length} ${describeStep(step)}`);
        },
      });
      // Ctrl-C: stop writing; the run deletes its data and the command ends before the exit.
      const unregister = onInterrupt(async () => controller.abort(), cfg.stopGraceMs);
      try {
        printReport(await running, flags);
      } finally {
        unregister();
      }
    });
}

function printReport(report: LoadtestReport, flags: LoadtestFlags): void {
  if (flags.json) {
    const tenths = (ms: number) => Math.round(ms * 10) / 10;
    const steps = report.steps.map((step) => ({
      ...step,
      rowsPerSecond: Math.round(step.rowsPerSecond),
      p50Ms: tenths(step.p50Ms),
      p99Ms: tenths(step.p99Ms),
      maxMs: tenths(step.maxMs),
    }));
    say(JSON.stringify({ ...report, steps }));
    return;
  }
  printTable(
    report.steps.map((step) => ({
      target: step.target,
      path: step.path,
      tasks: step.tasks,
      limit: step.limit,
      'queue(peak)': step.queuePeak,
      rows: step.rows,
      'rows/s': Math.round(step.rowsPerSecond),
      'p50 ms': step.p50Ms.toFixed(1),
      'p99 ms': step.p99Ms.toFixed(1),
      errors: formatErrors(step.errors),
    })),
  );
  for (const line of compareAtLargestTasks(report.steps)) say(line);
}

function describeStep(step: StepResult): string {
  return `${step.target} ${step.path} ${step.tasks} tasks: ${step.rows} rows, ${Math.round(step.rowsPerSecond)} rows/s, p99 ${step.p99Ms.toFixed(1)} ms, errors ${formatErrors(step.errors)}`;
}

/** `53300×12 P2024×3`, most frequent first; `-` when there were none. */
function formatErrors(errors: Readonly<Record<string, number>>): string {
  const entries = Object.entries(errors).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '-' : entries.map(([code, count]) => `${code}×${count}`).join(' ');
}

function parseTasks(text: string): number[] | undefined {
  const counts = text.split(',').map((part) => part.trim());
  if (!counts.every((part) => /^\d+$/.test(part) && Number(part) >= 1 && Number(part) <= 100_000)) return undefined;
  return counts.map(Number);
}

function parsePaths(text: string): WritePathName[] | undefined {
  const paths = text.split(',').map((part) => part.trim());
  return paths.every((path) => (WRITE_PATH_NAMES as readonly string[]).includes(path)) ? (paths as WritePathName[]) : undefined;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

/** `500ms`, `3s`, `1.5s`, `1m` → milliseconds (at least 1). */
function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * DURATION_UNITS[match[2]!]!);
  return ms >= 1 ? ms : undefined;
}

/**
 * The pooler's URL: --pooler-url, else OPTDB_POOLER_URL. A password goes in the variable
 * only: a command line is visible to every user of the machine (ps) and kept in shell
 * history. Like DATABASE_URL, the value is never echoed — which is why this is checked
 * here and not by commander, whose error quotes the argument.
 */
function resolvePoolerUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = flag !== undefined ? '--pooler-url' : POOLER_URL_VARIABLE;
  const text = flag ?? (env[POOLER_URL_VARIABLE]?.trim() || undefined);
  if (text === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(text) || !URL.canParse(text)) {
    throw new OptdbError(
      'CONFIG_INVALID',
      `Invalid ${name}: expected a URL starting with postgresql:// or postgres:// (percent-encode special characters), got (value hidden)`,
    );
  }
  if (flag !== undefined && holdsPassword(new URL(text))) {
    throw new OptdbError(
      'CONFIG_INVALID',
      '--pooler-url holds a password: a command line is visible to other users (ps) and kept in shell history (value hidden)',
      {
        remedy: `Pass the URL in ${POOLER_URL_VARIABLE} instead (e.g. read -rs ${POOLER_URL_VARIABLE} && export ${POOLER_URL_VARIABLE}), or give --pooler-url without the password and set PGPASSWORD.`,
      },
    );
  }
  return text;
}

/** user:password@, or a password among the parameters (?password=, ?sslpassword=). */
function holdsPassword(url: URL): boolean {
  return url.password !== '' || [...url.searchParams.keys()].some((name) => /password/i.test(name));
}
