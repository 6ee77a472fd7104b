/**
 * `npm run bench`: optdb's write paths against the SQL-only floor, on the same generated
 * day_aggs file, the same PostgreSQL and the same machine, in one run. Writes
 * docs/benchmarks.md.
 *
 *   floor    psql \copy into a staging table, then set-based INSERTs of the contracts and
 *            the bars doing optdb's work (bench/floor.sql)
 *   copy     optdb ingest --strategy copy (default settings, and --concurrency 2)
 *   unnest   optdb ingest --strategy unnest
 *   prisma   optdb ingest --strategy prisma, on a 20k-row slice (a round trip per row)
 *   5M rows  optdb ingest (copy) of a 5M-row file, and the same with --dry-run: peak
 *            memory, which may differ only by the batches in flight
 *
 * Every scenario gets a fresh, migrated database: the floor writes into optdb's own tables
 * (same columns, defaults, indexes and foreign key), so the comparison is like for like.
 * The server is DATABASE_URL's when set (the user must be able to create databases), else
 * an embedded PostgreSQL in a temporary directory. BENCH_SKIP_5M=1 skips the 5M-row runs.
 *
 * `npm run bench -- --check` also exits 1 naming each target missed (copy at least 1.0×
 * the floor, at least 20× per-row Prisma, peak RSS under 300 MB at 5M rows): run it before
 * calling performance work done. The page names the commit it measured.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { EmbeddedServer } from '../src/db/embedded-server.js';
import { migrate } from '../src/db/migrator.js';
import { writeSample } from '../src/sample/generate-sample.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(ROOT, 'dist/cli/main.js');
const PRISMA_SLICE_ROWS = 20_000;
const DAYS_IN_BIG_FILE = 5;
const SAMPLE = { underlyings: 1_000, contracts: 7_700_000, date: '2025-11-20', seed: 1 }; // ≈1M traded contracts
const TARGETS = { copyVsFloor: 1.0, copyVsPrisma: 20, peakRssMbAt5M: 300 };
const CHECK = process.argv.includes('--check');
const COMMIT = measuredCommit();

interface Result {
  name: string;
  rows: number;
  seconds: number;
  peakRssMb: number | undefined;
  /** CPU time of the whole machine during the run (every core, every process): the server's and the client's work. */
  machineCpuSeconds: number;
  /** CPU time of the optdb process (undefined for the floor: psql only passes the file on). */
  clientCpuSeconds: number | undefined;
}

interface RunOutcome {
  peakRssMb?: number;
  cpuSeconds?: number;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'optdb-bench-'));
fs.chmodSync(work, 0o755);
let embedded: EmbeddedServer | undefined;
let adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  embedded = new EmbeddedServer(path.join(work, 'server'), await freePort());
  fs.mkdirSync(embedded.dataDir, { recursive: true, mode: 0o755 });
  adminUrl = withDatabase((await embedded.start()).url, 'postgres');
}

try {
  const results: Result[] = [];
  const csv = path.join(work, 'day-aggs-1m.csv');
  log(`generating ${csv}`);
  const { rows } = await writeSample({ ...SAMPLE, out: csv, format: 'day-aggs-csv' });
  const slice = path.join(work, 'day-aggs-20k.csv');
  await headLines(csv, slice, PRISMA_SLICE_ROWS + 1);

  results.push(await scenario('floor (psql \\copy + set-based SQL)', rows, (url) => runFloor(url, csv)));
  results.push(await scenario('optdb copy (defaults: batch 5000, concurrency 3)', rows, (url) => runOptdb(url, [csv])));
  results.push(await scenario('optdb copy --concurrency 2', rows, (url) => runOptdb(url, [csv, '--concurrency', '2'])));
  results.push(await scenario('optdb unnest', rows, (url) => runOptdb(url, [csv, '--strategy', 'unnest'])));
  results.push(await scenario(`optdb prisma (${PRISMA_SLICE_ROWS / 1000}k-row slice)`, PRISMA_SLICE_ROWS, (url) => runOptdb(url, [slice, '--strategy', 'prisma'])));
  if (process.env.BENCH_SKIP_5M !== '1') {
    const big = path.join(work, 'day-aggs-5m.csv');
    const bigRows = await repeatOverDays(csv, big, DAYS_IN_BIG_FILE);
    fs.rmSync(slice);
    const bigName = `${(bigRows / 1e6).toFixed(1)}M-row file (${DAYS_IN_BIG_FILE} days)`;
    results.push(await scenario(`optdb copy, ${bigName}`, bigRows, (url) => runOptdb(url, [big])));
    results.push(await scenario(`optdb --dry-run, ${bigName}`, bigRows, (url) => runOptdb(url, [big, '--dry-run'])));
  }
  const page = await report(results);
  fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'docs/benchmarks.md'), page);
  process.stdout.write(`\n${page}`);
  if (CHECK) {
    const missed = missedTargets(results);
    for (const line of missed) log(`target missed: ${line}`);
    if (missed.length > 0) process.exitCode = 1;
    else log('every target met');
  }
} finally {
  await embedded?.stop();
  fs.rmSync(work, { recursive: true, force: true });
}

async function scenario(name: string, rows: number, run: (url: string) => Promise<RunOutcome>): Promise<Result> {
  const database = `optdb_bench_${Date.now()}`;
  await admin(`CREATE DATABASE ${database}`);
  try {
    const url = withDatabase(adminUrl!, database);
    await migrate(url);
    // Each scenario starts from a clean slate: the previous one's dirty pages written out,
    // so that its checkpoint is not paid for by the next.
    await admin('CHECKPOINT');
    log(`${name}: running`);
    const started = performance.now();
    const cpuBefore = machineCpuSeconds();
    const { peakRssMb, cpuSeconds } = await run(url);
    const seconds = (performance.now() - started) / 1000;
    const machineCpu = machineCpuSeconds() - cpuBefore;
    log(`${name}: ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s), machine CPU ${machineCpu.toFixed(1)} s`);
    return { name, rows, seconds, peakRssMb, machineCpuSeconds: machineCpu, clientCpuSeconds: cpuSeconds };
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

async function runFloor(url: string, csv: string): Promise<RunOutcome> {
  const child = spawn('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-f', path.join(ROOT, 'bench/floor.sql')], {
    stdio: [fs.openSync(csv, 'r'), 'ignore', 'inherit'],
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`psql exited with ${code}`);
  return {};
}

async function runOptdb(url: string, args: string[]): Promise<RunOutcome> {
  // --no-analyze: the floor (bench/floor.sql) leaves statistics to autovacuum too.
  const child = spawn(process.execPath, [CLI, 'ingest', ...args, '--json', '--no-progress', '--no-analyze'], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`optdb ingest exited with ${code}`);
  const summary = JSON.parse(output) as { peakRssMb: number; cpuSeconds: number; rejected: number };
  if (summary.rejected > 0) throw new Error(`optdb rejected ${summary.rejected} generated rows`);
  return { peakRssMb: summary.peakRssMb, cpuSeconds: summary.cpuSeconds };
}

function rate(r: Result): number {
  return r.rows / r.seconds;
}

function bigFileRun(results: Result[]): Result | undefined {
  return results.find((r) => r.name.startsWith('optdb copy, '));
}

function dryRun(results: Result[]): Result | undefined {
  return results.find((r) => r.name.startsWith('optdb --dry-run'));
}

/** Each target this run missed, in words; empty when all were met. */
function missedTargets(results: Result[]): string[] {
  const [floor, copy] = results as [Result, Result];
  const prisma = results.find((r) => r.name.startsWith('optdb prisma'));
  const big = bigFileRun(results);
  const missed: string[] = [];
  const vsFloor = rate(copy) / rate(floor);
  if (vsFloor < TARGETS.copyVsFloor) missed.push(`copy at ${vsFloor.toFixed(2)}× the floor, below ${TARGETS.copyVsFloor.toFixed(1)}×`);
  if (prisma && rate(copy) / rate(prisma) < TARGETS.copyVsPrisma) missed.push(`copy at ${(rate(copy) / rate(prisma)).toFixed(1)}× per-row Prisma, below ${TARGETS.copyVsPrisma}×`);
  if (!big) missed.push('the 5M-row run was skipped (BENCH_SKIP_5M): its memory target is unchecked');
  else if ((big.peakRssMb ?? Infinity) >= TARGETS.peakRssMbAt5M) missed.push(`peak RSS ${big.peakRssMb} MB at 5M rows, not under ${TARGETS.peakRssMbAt5M} MB`);
  return missed;
}

async function report(results: Result[]): Promise<string> {
  const floor = results[0]!;
  const floorRate = floor.rows / floor.seconds;
  const prisma = results.find((r) => r.name.startsWith('optdb prisma'));
  const copy = results[1]!;
  const big = bigFileRun(results);
  const dry = dryRun(results);
  const server = await admin('SHOW server_version');
  const lines = [
    '# Benchmarks',
    '',
    `Made by \`npm run bench\` (bench/run.ts) at commit ${COMMIT} on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}, PostgreSQL ${server}${embedded ? ' (embedded)' : ''}. ` +
      `Input: a generated Polygon day_aggs_v1 file (\`optdb sample --format day-aggs-csv --underlyings ${SAMPLE.underlyings} --contracts ${SAMPLE.contracts}\`), ` +
      `every row a new contract and a new bar, into an empty, migrated database.`,
    '',
    '| scenario | rows | seconds | rows/s | vs floor | peak RSS | machine CPU | optdb CPU |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.rows.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ${Math.round(rate(r)).toLocaleString('en-US')} | ` +
        `${r === dry ? '— (writes nothing)' : `${(rate(r) / floorRate).toFixed(2)}×`} | ${r.peakRssMb === undefined ? '—' : `${r.peakRssMb} MB`} | ` +
        `${r.machineCpuSeconds.toFixed(1)} s | ${r.clientCpuSeconds === undefined ? '—' : `${r.clientCpuSeconds.toFixed(1)} s`} |`,
    ),
    '',
    '## Targets',
    '',
    `- \`copy\` at least 1.0× the floor: **${(rate(copy) / floorRate).toFixed(2)}×** with the defaults` +
      `, ${(rate(results[2]!) / floorRate).toFixed(2)}× with \`--concurrency 2\`.`,
    prisma ? `- \`copy\` at least 20× the per-row Prisma path: **${(rate(copy) / rate(prisma)).toFixed(1)}×**.` : '',
    big ? `- peak RSS under ${TARGETS.peakRssMbAt5M} MB for a 5M-row file: **${big.peakRssMb} MB**` + (dry ? ` (${dry.peakRssMb} MB with \`--dry-run\`, which writes nothing: the difference is the batches in flight and the database client).` : '.') : '',
    '',
    '`npm run bench -- --check` exits 1 when a target is missed.',
    '',
    'One run of each scenario, each on a new database after a CHECKPOINT. Runs on a shared',
    'machine can differ by 15 % or more from one run to the next, so compare ratios within one',
    'run rather than across runs. The floor writes into optdb\'s own tables in a freshly',
    'migrated database (the same columns, defaults, indexes and foreign key). The',
    'floor and optdb do the same work — parse every ticker into a contract, insert the new',
    'contracts, upsert the bars with unchanged rows left alone — in one transaction (the',
    'floor) or one per 5,000-row batch (optdb, which also validates every row). Peak RSS is',
    "the optdb process's; `unnest` and `prisma` carry Prisma's query compiler.",
    '',
    ...whereTheTimeGoes(floor, copy),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Why copy is where it is against the floor, from this run's CPU times: the floor is one
 * backend on one core; optdb adds its own parsing and batching, and spreads the server's
 * work over several backends. When the machine's cores are busy for the whole run, the
 * wall time can only drop with less CPU per row, on either side.
 */
function whereTheTimeGoes(floor: Result, copy: Result): string[] {
  const cores = os.cpus().length;
  const busy = (r: Result) => `${Math.round((100 * r.machineCpuSeconds) / (cores * r.seconds))} %`;
  const client = copy.clientCpuSeconds ?? 0;
  const serverSide = (r: Result, own: number) => Math.max(r.machineCpuSeconds - own, 0).toFixed(1);
  const copyBusyShare = copy.machineCpuSeconds / (cores * copy.seconds);
  return [
    '## Where the time goes',
    '',
    `CPU time of the whole machine (${cores} cores) during each run, and of the optdb process itself. ` +
      `The floor used ${floor.machineCpuSeconds.toFixed(1)} s of CPU in ${floor.seconds.toFixed(1)} s (the cores ${busy(floor)} busy): ` +
      `one backend on one core. optdb copy used ${copy.machineCpuSeconds.toFixed(1)} s in ${copy.seconds.toFixed(1)} s (${busy(copy)} busy): ` +
      `${client.toFixed(1)} s in the optdb process (reading, validating, batching, COPY text) and ${serverSide(copy, client)} s elsewhere, ` +
      `the rest of the machine — on a quiet machine, the server (the floor's server side, the same way: ${serverSide(floor, 0)} s). ` +
      (copyBusyShare >= 0.9
        ? `With the cores busy throughout, ${copy.machineCpuSeconds.toFixed(1)} s of work on ${cores} cores cannot take less than ` +
          `${(copy.machineCpuSeconds / cores).toFixed(1)} s: the ratio to the floor moves with the CPU each side spends per row.`
        : `The cores were idle ${Math.round(100 * (1 - copyBusyShare))} % of the run: optdb waited (on the disk, on locks, ` +
          `or on its one thread feeding the backends) rather than computed.`),
    '',
  ];
}

/** Busy CPU seconds of the machine so far, summed over its cores. */
function machineCpuSeconds(): number {
  let ms = 0;
  for (const { times } of os.cpus()) ms += times.user + times.nice + times.sys + times.irq;
  return ms / 1000;
}

/** The day file repeated for consecutive days (window_start moved by a day each time). */
async function repeatOverDays(csv: string, target: string, days: number): Promise<number> {
  const out = fs.createWriteStream(target);
  let rows = 0;
  for (let day = 0; day < days; day++) {
    const shift = BigInt(day) * 86_400_000_000_000n;
    let header: string[] | undefined;
    for await (const line of readline.createInterface({ input: fs.createReadStream(csv) })) {
      if (!header) {
        header = line.split(',');
        if (day === 0 && !out.write(`${line}\n`)) await once(out, 'drain');
        continue;
      }
      const fields = line.split(',');
      const at = header.indexOf('window_start');
      fields[at] = String(BigInt(fields[at]!) + shift);
      rows++;
      if (!out.write(`${fields.join(',')}\n`)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

async function headLines(source: string, target: string, count: number): Promise<void> {
  const out = fs.createWriteStream(target);
  let n = 0;
  const lines = readline.createInterface({ input: fs.createReadStream(source) });
  for await (const line of lines) {
    if (n++ >= count) break;
    out.write(`${line}\n`);
  }
  lines.close();
  out.end();
  await once(out, 'finish');
}

async function admin(sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const result = await client.query(sql);
    return String(Object.values(result.rows[0] ?? {})[0] ?? '');
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as import('node:net').AddressInfo;
      server.close(() => resolve(port));
    });
  });
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

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
