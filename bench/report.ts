/**
 * docs/benchmarks.md: every scenario's runs against its own floor, the targets met or
 * missed by how much, what each side did, and where the CPU time went — from one run.
 */
import os from 'node:os';
import { CHAIN_SAMPLE, DAY_SAMPLE, type DayOverlap, scaled } from './inputs.js';
import { rate, type Run } from './measurement.js';
import type { Comparison } from './scenarios.js';
import type { TargetOutcome } from './targets.js';

export interface ReportContext {
  readonly commit: string;
  readonly serverVersion: string;
  readonly embedded: boolean;
  readonly scale: number;
}

export function report(comparisons: readonly Comparison[], outcomes: readonly TargetOutcome[], context: ReportContext): string {
  const cpu = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}`;
  const lines = [
    '# Benchmarks',
    '',
    `Made by \`npm run bench\` (bench/run.ts) at commit ${context.commit} on ${new Date().toISOString().slice(0, 10)}: ${cpu}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}, PostgreSQL ${context.serverVersion}${context.embedded ? ' (embedded)' : ''}. ` +
      `Inputs from optdb's sample generator: day_aggs files of \`optdb sample --format day-aggs-csv --underlyings ${DAY_SAMPLE.underlyings} ` +
      `--contracts ${scaled(DAY_SAMPLE.contracts, context.scale)}\` (about 1M traded contracts a day at full size), chain captures of ` +
      `\`optdb sample --format chain-ndjson --underlyings ${CHAIN_SAMPLE.underlyings} --contracts ${scaled(CHAIN_SAMPLE.contracts, context.scale)}\`, ` +
      `seed ${DAY_SAMPLE.seed}, one \`--date\` per file.` +
      (context.scale === 1
        ? ''
        : ` **BENCH_SCALE=${context.scale}: every file at ${context.scale * 100} % of its full size — a quick try, not a measurement of the targets.**`),
    '',
    '| scenario | run | rows | seconds | rows/s | vs its floor | peak RSS | machine CPU | optdb CPU |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...comparisons.flatMap((c) => [...(c.floor ? [c.floor] : []), ...c.optdb].map((run) => runRow(c, run))),
    '',
    '## Targets',
    '',
    ...outcomes.map((o) => `- ${o.met ? 'met' : '**missed**'}: ${o.target} — **${o.measured}**${o.gap ? `; ${o.gap}` : ''}.`),
    '',
    '`npm run bench -- --check` exits 1 naming each target missed.',
    '',
    '## The scenarios',
    '',
    ...comparisons.flatMap((c) => [`- **${c.title}** (\`${c.name}\`): ${c.description}`, ...(c.overlaps ? overlapTable(c.overlaps) : [])]),
    '',
    "Every run starts on a new database, migrated by optdb, after a CHECKPOINT: the floor writes into optdb's own tables (the",
    'same columns, defaults, indexes and foreign keys). Both sides parse every ticker into a contract, create the missing',
    'contracts and upsert the rows, leaving unchanged rows untouched (`IS DISTINCT FROM`).',
    '',
    "## How optdb's default path writes",
    '',
    '- **Contracts**: one index probe per ticker finds the contracts that are new or that the source knows more about;',
    '  only those are written (new ones COPYed straight into `options`). A re-ingest probes none: only rows that are new',
    '  or change have their contracts looked for. The floor inserts every contract with `ON CONFLICT DO NOTHING`.',
    '- **A new day of bars** (no partition of `option_day_aggs` for it yet) is COPYed into a bare table of its own — no key,',
    "  no index, no foreign key — and attached as the day's partition when the file ends: the key and index are built and",
    '  the foreign key checked once for all rows, instead of row by row. The floor inserts into the keyed table.',
    '- **Other rows**: a batch whose keys are all new (a new capture) is COPYed straight into its table; any other is COPYed',
    '  into a staging table, the rows stored with the same values are left out (no row lock, no WAL for them), and the rest',
    '  are upserted. The floor upserts every row, and `ON CONFLICT DO UPDATE` locks each conflicting row even when its',
    '  `WHERE` then writes nothing.',
    "- **What a new row still costs the server**: a new contract's index entries in `options`, row by row, and for",
    "  snapshots (not partitioned) the key's index entries and the foreign key's check per row.",
    '',
    '## What optdb does that the floor does not',
    '',
    '- **Validation**: every row is checked (types, ranges, the contract a snapshot states against its ticker) and a bad one',
    '  is rejected with its reason instead of failing the file; the floor trusts its input, and one bad row aborts it.',
    '- **A transaction per batch with its ledger row** (5,000 rows by default): a run that stops resumes where it stopped,',
    '  and a file already committed is skipped. The floor writes a file in one transaction and has no memory of it.',
    "- **The closing ANALYZE** of the tables an ingest changed a lot is inside optdb's times; the floor leaves statistics",
    '  to autovacuum.',
    "- Peak RSS and optdb CPU are the optdb process's own; `unnest` and `prisma` carry Prisma's query compiler.",
    '',
    '## Where the time goes',
    '',
    `CPU time of the whole machine (${os.cpus().length} cores, every process) during each run, and of the optdb process itself;`,
    "the rest of the machine's CPU is, on a quiet machine, the server. The floor is one psql and one backend.",
    '',
    ...comparisons.filter((c) => c.floor).map((c) => `- ${whereTheTimeGoes(c)}`),
    '',
    'One run of each scenario. Runs on a shared machine can differ by 15 % or more from one run to the next, so compare',
    'ratios within one run rather than across runs.',
  ];
  return `${lines.join('\n')}\n`;
}

function runRow(comparison: Comparison, run: Run): string {
  const vsFloor = run === comparison.floor ? '1.00×' : comparison.floor ? `${(rate(run) / rate(comparison.floor)).toFixed(2)}×` : '—';
  const cells = [
    comparison.title,
    run.name,
    run.rows.toLocaleString('en-US'),
    run.seconds.toFixed(1),
    Math.round(rate(run)).toLocaleString('en-US'),
    vsFloor,
    run.peakRssMb === undefined ? '—' : `${run.peakRssMb} MB`,
    `${run.machineCpuSeconds.toFixed(1)} s`,
    run.clientCpuSeconds === undefined ? '—' : `${run.clientCpuSeconds.toFixed(1)} s`,
  ];
  return `| ${cells.join(' | ')} |`;
}

function overlapTable(overlaps: readonly DayOverlap[]): string[] {
  const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;
  return [
    '',
    "  How much of each day's file names contracts that earlier days' files already did (the generator decides once per",
    '  contract whether it trades, so the days share most contracts; new listings and moved prices change a few):',
    '',
    '  | day | rows | in the day before | in any earlier day | new contracts |',
    '  |---|---:|---:|---:|---:|',
    ...overlaps.map(
      (o, i) =>
        `  | ${o.date} | ${o.rows.toLocaleString('en-US')} | ${i === 0 ? '—' : share(o.inPreviousDay, o.rows)} | ` +
        `${i === 0 ? '—' : share(o.inAnEarlierDay, o.rows)} | ${(o.rows - o.inAnEarlierDay).toLocaleString('en-US')} |`,
    ),
    '',
  ];
}

/**
 * One scenario's CPU split: when the machine's cores are busy for the whole run, the wall
 * time can only drop with less CPU per row, on either side; when they idle, optdb waited.
 */
function whereTheTimeGoes(comparison: Comparison): string {
  const floor = comparison.floor!;
  const optdb = comparison.optdb[0]!;
  const cores = os.cpus().length;
  const busy = (r: Run) => r.machineCpuSeconds / (cores * r.seconds);
  const client = optdb.clientCpuSeconds ?? 0;
  const elsewhere = Math.max(optdb.machineCpuSeconds - client, 0);
  const perMillion = (r: Run, cpu: number) => `${((cpu * 1e6) / r.rows).toFixed(1)} s`;
  return (
    `**${comparison.title}**: the floor used ${floor.machineCpuSeconds.toFixed(1)} s of CPU in ${floor.seconds.toFixed(1)} s ` +
    `(cores ${percent(busy(floor))} busy; ${perMillion(floor, floor.machineCpuSeconds)} per million rows); optdb ` +
    `${optdb.machineCpuSeconds.toFixed(1)} s in ${optdb.seconds.toFixed(1)} s (${percent(busy(optdb))} busy): ${client.toFixed(1)} s ` +
    `in its own process (${perMillion(optdb, client)} per million rows: reading, validating, batching, COPY text) and ` +
    `${elsewhere.toFixed(1)} s elsewhere (${perMillion(optdb, elsewhere)} per million rows). ` +
    (busy(optdb) >= 0.9
      ? `With the cores busy throughout, ${optdb.machineCpuSeconds.toFixed(1)} s of work on ${cores} cores cannot take less than ` +
        `${(optdb.machineCpuSeconds / cores).toFixed(1)} s.`
      : `The cores were idle ${percent(1 - busy(optdb))} of the run: optdb waited (on the disk, on locks, or on its one thread ` +
        'feeding the backends) rather than computed.')
  );
}

function percent(share: number): string {
  return `${Math.round(100 * share)} %`;
}
