/**
 * `npm run bench`: optdb's ingest in the realistic scenarios, each against a hand-written
 * SQL floor doing the same work, on the same generated files, the same PostgreSQL and the
 * same machine, in one run. Writes docs/benchmarks.md, naming the commit measured.
 *
 *   day1      a 1M-row day_aggs file, every contract new: the floor (psql \copy into a
 *             staging table, set-based INSERTs of the contracts and the bars,
 *             bench/floor.sql), and `optdb ingest` with its defaults, --concurrency 2
 *             and --strategy unnest
 *   backfill  five trading days of the same chains, five files: the floor script per
 *             file against one `optdb ingest` of the five, total wall time
 *   reingest  the day-one file again into a database that holds it: the floor's rerun
 *             against optdb's merge of the same bytes under a second name, and optdb's
 *             rerun of the same path, which its import ledger skips
 *   chain     four chain-ndjson captures of 250k contracts: bench/floor-chain.sql (each
 *             line \copy'd into a jsonb column, then set-based SQL) per file against one
 *             `optdb ingest` of the four
 *   prisma    a 20k-row slice of the day-one file through the per-row Prisma path
 *   5m        a 5M-row file (the day-one file over five days), with and without
 *             --dry-run: peak memory
 *
 * Environment:
 *   BENCH_ONLY=backfill,chain   run only these scenarios (default: all, in the order above)
 *   BENCH_SCALE=0.05            every file cut to this fraction of its rows, for a quick
 *                               try (default 1; a scaled run cannot pass --check)
 *   BENCH_SKIP_5M=1             the same as leaving 5m out of BENCH_ONLY
 *   BENCH_CLI=<path>            the optdb CLI to measure (default dist/cli/main.js): a build
 *                               of another commit, to compare two in the same conditions
 *   DATABASE_URL                the server to measure on (its user must be able to create
 *                               databases); default an embedded PostgreSQL
 *
 * `npm run bench -- --check` also exits 1 naming each target missed, with its gap
 * (bench/targets.ts): run it before calling performance work done.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Inputs } from './inputs.js';
import { log } from './measurement.js';
import { report } from './report.js';
import { type Comparison, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from './scenarios.js';
import { BenchServer } from './server.js';
import { judgeTargets } from './targets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHECK = process.argv.includes('--check');
const SCALE = benchScale(process.env.BENCH_SCALE);
const SELECTED = selectedScenarios(process.env.BENCH_ONLY, process.env.BENCH_SKIP_5M === '1');
const COMMIT = measuredCommit();

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'optdb-bench-'));
// The server (psql's and the embedded server's user) reads the input files too.
fs.chmodSync(work, 0o755);
const server = await BenchServer.start(work);
try {
  const inputs = new Inputs(work, SCALE);
  const comparisons: Comparison[] = [];
  for (const name of SELECTED) comparisons.push(await SCENARIOS[name]({ server, inputs, work }));
  const outcomes = judgeTargets(comparisons, SCALE);
  const page = report(comparisons, outcomes, {
    commit: COMMIT,
    serverVersion: await server.query('SHOW server_version'),
    embedded: server.isEmbedded,
    scale: SCALE,
  });
  fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'docs/benchmarks.md'), page);
  process.stdout.write(`\n${page}`);
  if (CHECK) {
    const missed = outcomes.filter((outcome) => !outcome.met);
    for (const outcome of missed) log(`target missed: ${outcome.target}: ${outcome.measured}; ${outcome.gap}`);
    if (missed.length > 0) process.exitCode = 1;
    else log('every target met');
  }
} finally {
  await server.stop();
  fs.rmSync(work, { recursive: true, force: true });
}

function benchScale(text: string | undefined): number {
  if (text === undefined || text === '') return 1;
  const scale = Number(text);
  if (!(scale > 0 && scale <= 1)) throw new Error(`BENCH_SCALE must be a fraction in (0, 1], got \`${text}\``);
  return scale;
}

function selectedScenarios(only: string | undefined, skip5m: boolean): ScenarioName[] {
  const wanted = only ? only.split(',').map((name) => name.trim()) : [...SCENARIO_NAMES];
  const unknown = wanted.filter((name) => !(SCENARIO_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY names ${unknown.join(', ')}; the scenarios are ${SCENARIO_NAMES.join(', ')}`);
  return SCENARIO_NAMES.filter((name) => wanted.includes(name) && !(skip5m && name === '5m'));
}

/** The commit measured: `git rev-parse --short HEAD`, with `+dirty` when the tree had changes. */
function measuredCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain') ? '+dirty' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
