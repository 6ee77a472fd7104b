/**
 * The bench's input files, made by optdb's own sample generator (src/sample) on first
 * use and shared by every run that reads them, so that both sides of a comparison load
 * the same bytes. `scale` shrinks every file's row count for a quick try.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { writeSample } from '../src/sample/generate-sample.js';
import { log } from './measurement.js';

export interface InputFile {
  readonly path: string;
  readonly rows: number;
}

/** Per day of a backfill: its rows, and how many of their contracts earlier days' files already held. */
export interface DayOverlap {
  readonly date: string;
  readonly rows: number;
  readonly inPreviousDay: number;
  readonly inAnEarlierDay: number;
}

/** 1,000 underlyings listing 7.7M contracts, of which about 1M trade on a day: a day_aggs file of ≈1M rows. */
export const DAY_SAMPLE = { underlyings: 1_000, contracts: 7_700_000, seed: 1 } as const;
export const DAY_ONE = '2025-11-20';
/** A week of trading days (Monday to Friday), the day-one file among them. */
export const BACKFILL_DATES = ['2025-11-17', '2025-11-18', '2025-11-19', '2025-11-20', '2025-11-21'] as const;
/** Four captures of the same chains, each day's close: snapshot keys differ by their capture time. */
export const CHAIN_SAMPLE = { underlyings: 1_000, contracts: 250_000, seed: 1 } as const;
export const CHAIN_DATES = ['2025-11-17', '2025-11-18', '2025-11-19', '2025-11-20'] as const;
export const PRISMA_SLICE_ROWS = 20_000;
export const DAYS_IN_BIG_FILE = 5;

export class Inputs {
  private readonly made = new Map<string, Promise<InputFile>>();

  constructor(
    private readonly dir: string,
    readonly scale: number,
  ) {}

  /** The day_aggs file of one trading day. */
  dayFile(date: string): Promise<InputFile> {
    return this.once(`day-aggs-${date}.csv`, (file) =>
      writeSample({ ...DAY_SAMPLE, contracts: this.scaled(DAY_SAMPLE.contracts), date, out: file, format: 'day-aggs-csv' }),
    );
  }

  /** One capture of every listed contract's snapshot, as chain-ndjson. */
  chainFile(date: string): Promise<InputFile> {
    return this.once(`chain-${date}.ndjson`, (file) =>
      writeSample({ ...CHAIN_SAMPLE, contracts: this.scaled(CHAIN_SAMPLE.contracts), date, out: file, format: 'chain-ndjson' }),
    );
  }

  /** The first rows of the day-one file, for the per-row Prisma path. */
  prismaSlice(): Promise<InputFile> {
    return this.once('day-aggs-slice.csv', async (file) => {
      const day = await this.dayFile(DAY_ONE);
      const rows = Math.min(this.scaled(PRISMA_SLICE_ROWS), day.rows);
      await headLines(day.path, file, rows + 1);
      return { rows };
    });
  }

  /** The day-one file repeated for DAYS_IN_BIG_FILE consecutive days: ≈5M rows in one file. */
  bigFile(): Promise<InputFile> {
    return this.once('day-aggs-5-days.csv', async (file) => ({
      rows: await repeatOverDays((await this.dayFile(DAY_ONE)).path, file, DAYS_IN_BIG_FILE),
    }));
  }

  private scaled(count: number): number {
    return scaled(count, this.scale);
  }

  private once(name: string, make: (file: string) => Promise<{ rows: number }>): Promise<InputFile> {
    let file = this.made.get(name);
    if (!file) {
      const target = path.join(this.dir, name);
      log(`generating ${name}`);
      file = make(target).then(({ rows }) => ({ path: target, rows }));
      this.made.set(name, file);
    }
    return file;
  }
}

/** A generator count cut to `scale`, never below one. */
export function scaled(count: number, scale: number): number {
  return Math.max(1, Math.round(count * scale));
}

/** How much of each day's file names contracts already seen: in the day before, and in any earlier day. */
export async function dayOverlaps(dates: readonly string[], files: readonly InputFile[]): Promise<DayOverlap[]> {
  const seen = new Set<string>();
  let previous = new Set<string>();
  const overlaps: DayOverlap[] = [];
  for (const [i, file] of files.entries()) {
    const today = new Set<string>();
    let inPreviousDay = 0;
    let inAnEarlierDay = 0;
    let header = true;
    for await (const line of readline.createInterface({ input: fs.createReadStream(file.path) })) {
      if (header) {
        header = false;
        continue;
      }
      const ticker = line.slice(0, line.indexOf(','));
      if (previous.has(ticker)) inPreviousDay++;
      if (seen.has(ticker)) inAnEarlierDay++;
      today.add(ticker);
    }
    overlaps.push({ date: dates[i]!, rows: file.rows, inPreviousDay, inAnEarlierDay });
    for (const ticker of today) seen.add(ticker);
    previous = today;
  }
  return overlaps;
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
