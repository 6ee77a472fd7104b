/**
 * The scenarios `npm run bench` measures, each optdb run against its own floor on the same
 * server and the same files. Every run starts on a new, migrated database after a
 * CHECKPOINT, so that no run pays for the previous one's dirty pages; a run that needs data
 * already in place (the re-ingest) loads it first, untimed, and vacuums it as days of
 * autovacuum would have.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_WRITE_CONCURRENCY } from '../src/config.js';
import { DEFAULT_BATCH_LIMITS } from '../src/write/batch.js';
import { runFloor, runOptdb } from './commands.js';
import { BACKFILL_DATES, CHAIN_DATES, DAY_ONE, type DayOverlap, dayOverlaps, type InputFile, type Inputs } from './inputs.js';
import { measure, type ProcessReport, type Run } from './measurement.js';
import { type BenchServer, queryOne } from './server.js';

export const SCENARIO_NAMES = ['day1', 'backfill', 'reingest', 'chain', 'prisma', '5m'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface Comparison {
  readonly name: ScenarioName;
  readonly title: string;
  /** What was loaded, and how each side loaded it. */
  readonly description: string;
  /** The hand-written SQL doing the same work; none for the runs that only measure optdb. */
  readonly floor: Run | undefined;
  /** optdb's runs; the first is the one the targets judge. */
  readonly optdb: readonly Run[];
  /** The backfill's files: how many of each day's contracts earlier days already listed. */
  readonly overlaps?: readonly DayOverlap[];
}

interface Context {
  readonly server: BenchServer;
  readonly inputs: Inputs;
  readonly work: string;
}

/** A batch size to compare the default with: fewer statements, commits and probes per row, more memory. */
const LARGE_BATCH = 20_000;

const DEFAULTS = `defaults: copy, batch ${DEFAULT_BATCH_LIMITS.maxRows}, concurrency ${DEFAULT_WRITE_CONCURRENCY}`;

export const SCENARIOS: Record<ScenarioName, (context: Context) => Promise<Comparison>> = {
  async day1({ server, inputs }) {
    const day = await inputs.dayFile(DAY_ONE);
    return {
      name: 'day1',
      title: 'day 1',
      description: `One day_aggs file (${DAY_ONE}) into an empty database: every contract and every bar new.`,
      floor: await fresh(server, 'floor: bench/floor.sql', day.rows, (url) => runFloor(url, 'floor.sql', [day.path])),
      optdb: [
        await fresh(server, `optdb ingest (${DEFAULTS})`, day.rows, (url) => runOptdb(url, [day.path])),
        await fresh(server, 'optdb ingest --concurrency 2', day.rows, (url) => runOptdb(url, [day.path, '--concurrency', '2'])),
        await fresh(server, `optdb ingest --batch-size ${LARGE_BATCH}`, day.rows, (url) =>
          runOptdb(url, [day.path, '--batch-size', String(LARGE_BATCH)]),
        ),
        await fresh(server, 'optdb ingest --strategy unnest', day.rows, (url) => runOptdb(url, [day.path, '--strategy', 'unnest'])),
      ],
    };
  },

  async backfill({ server, inputs }) {
    const days: InputFile[] = [];
    for (const date of BACKFILL_DATES) days.push(await inputs.dayFile(date));
    const paths = days.map((day) => day.path);
    const rows = total(days);
    return {
      name: 'backfill',
      title: 'backfill',
      description:
        `${days.length} day_aggs files, one per trading day (${BACKFILL_DATES[0]} to ${BACKFILL_DATES.at(-1)}), into an empty database: ` +
        `the floor script once per file, optdb one \`optdb ingest\` of all ${days.length}; the total wall time.`,
      floor: await fresh(server, `floor: bench/floor.sql × ${days.length} files`, rows, (url) => runFloor(url, 'floor.sql', paths)),
      optdb: [await fresh(server, `optdb ingest of ${days.length} files`, rows, (url) => runOptdb(url, paths))],
      overlaps: await dayOverlaps(BACKFILL_DATES, days),
    };
  },

  async reingest({ server, inputs, work }) {
    const day = await inputs.dayFile(DAY_ONE);
    // The ledger knows the file by its absolute path, size and first MB: under a second name
    // (a hard link, as a re-download elsewhere would be) it is a new import, merged row by row.
    const secondName = path.join(work, 'day-aggs-again.csv');
    if (!fs.existsSync(secondName)) fs.linkSync(day.path, secondName);
    const floor = await fresh(
      server,
      'floor: bench/floor.sql again',
      day.rows,
      (url) => runFloor(url, 'floor.sql', [day.path]),
      (url) => runFloor(url, 'floor.sql', [day.path]),
    );
    const optdb = await server.withFreshDatabase(async (url) => {
      await settled(server, url, () => runOptdb(url, [day.path]));
      const merged = await measure('optdb ingest of the same file under a second name', day.rows, () => runOptdb(url, [secondName]));
      await server.query('CHECKPOINT');
      const thirdName = path.join(work, 'day-aggs-once-more.csv');
      if (!fs.existsSync(thirdName)) fs.linkSync(day.path, thirdName);
      const large = await measure(`the same under a third name, --batch-size ${LARGE_BATCH}`, day.rows, () =>
        runOptdb(url, [thirdName, '--batch-size', String(LARGE_BATCH)]),
      );
      await server.query('CHECKPOINT');
      const skipped = await measure('optdb ingest of the same path again (the ledger skips it)', day.rows, () => runOptdb(url, [day.path]));
      return [merged, large, skipped];
    });
    return {
      name: 'reingest',
      title: 're-ingest',
      description:
        `The day-one file again, into a database that already holds it (loaded untimed by the same side, then vacuumed and analyzed): ` +
        `every row unchanged, so both sides write nothing. optdb reads it under a second name: its import ledger, which knows the ` +
        `first name, would skip the whole file (the last row shows that), so the second name makes it do the merge the floor's rerun does.`,
      floor,
      optdb,
    };
  },

  async chain({ server, inputs }) {
    const captures: InputFile[] = [];
    for (const date of CHAIN_DATES) captures.push(await inputs.chainFile(date));
    const paths = captures.map((capture) => capture.path);
    const rows = total(captures);
    return {
      name: 'chain',
      title: 'chain NDJSON',
      description:
        `${captures.length} chain-ndjson captures of the same chains (${CHAIN_DATES[0]} to ${CHAIN_DATES.at(-1)}, ${captures[0]!.rows.toLocaleString('en-US')} ` +
        `contracts each) into an empty database: the floor (bench/floor-chain.sql) \`\\copy\`s each line into a \`jsonb\` column, then inserts ` +
        `the contracts, enriches the known ones and upserts the snapshots set-based, once per file; optdb one \`optdb ingest\` of all ${captures.length}.`,
      floor: await fresh(server, `floor: bench/floor-chain.sql × ${captures.length} files`, rows, (url) =>
        runFloor(url, 'floor-chain.sql', paths),
      ),
      optdb: [await fresh(server, `optdb ingest of ${captures.length} files`, rows, (url) => runOptdb(url, paths))],
    };
  },

  async prisma({ server, inputs }) {
    const slice = await inputs.prismaSlice();
    return {
      name: 'prisma',
      title: 'per-row Prisma',
      description: `The first ${slice.rows.toLocaleString('en-US')} rows of the day-one file through the per-row Prisma path (a round trip per row), the reference the copy path is held against.`,
      floor: undefined,
      optdb: [
        await fresh(server, 'optdb ingest --strategy prisma', slice.rows, (url) => runOptdb(url, [slice.path, '--strategy', 'prisma'])),
      ],
    };
  },

  async '5m'({ server, inputs }) {
    const big = await inputs.bigFile();
    return {
      name: '5m',
      title: '5M rows',
      description:
        'The day-one file repeated for five consecutive days in one file, for peak memory: with `--dry-run` (which writes nothing) ' +
        'the difference is the batches in flight and the database client.',
      floor: undefined,
      optdb: [
        await fresh(server, 'optdb ingest', big.rows, (url) => runOptdb(url, [big.path])),
        await measure('optdb ingest --dry-run', big.rows, () => runOptdb(undefined, [big.path, '--dry-run'])),
      ],
    };
  },
};

/** One timed run on a new, migrated database; `preload` (untimed) fills it first, when given. */
async function fresh(
  server: BenchServer,
  name: string,
  rows: number,
  command: (url: string) => Promise<ProcessReport>,
  preload?: (url: string) => Promise<unknown>,
): Promise<Run> {
  return server.withFreshDatabase(async (url) => {
    if (preload) await settled(server, url, () => preload(url));
    // The previous run's dirty pages written out, so that its checkpoint is not paid for by this one.
    await server.query('CHECKPOINT');
    return measure(name, rows, () => command(url));
  });
}

/** `load`, then the tables vacuumed and analyzed: the state a database is in days after a load. */
async function settled(server: BenchServer, url: string, load: () => Promise<unknown>): Promise<void> {
  await load();
  await queryOne(url, 'VACUUM (ANALYZE) options, option_day_aggs, option_snapshots');
  await server.query('CHECKPOINT');
}

function total(files: readonly InputFile[]): number {
  return files.reduce((sum, file) => sum + file.rows, 0);
}
