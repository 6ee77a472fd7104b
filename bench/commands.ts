/**
 * The two sides of every comparison, as a user would run them: a floor script through
 * psql with the file on its standard input, and `optdb ingest` with its defaults (the
 * import ledger, validation and the closing ANALYZE included).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessReport } from './measurement.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// BENCH_CLI measures another build (say, a worktree of an earlier commit) against the same floor.
const CLI = process.env.BENCH_CLI ?? path.join(ROOT, 'dist/cli/main.js');

export type FloorScript = 'floor.sql' | 'floor-chain.sql';

/** The floor script run once per file, one after the other: one psql, one transaction each. */
export async function runFloor(url: string, script: FloorScript, files: readonly string[]): Promise<ProcessReport> {
  for (const file of files) {
    const child = spawn('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-f', path.join(ROOT, 'bench', script)], {
      stdio: [fs.openSync(file, 'r'), 'ignore', 'inherit'],
    });
    const [code] = await once(child, 'exit');
    if (code !== 0) throw new Error(`psql -f bench/${script} < ${path.basename(file)} exited with ${code}`);
  }
  return {};
}

/**
 * `optdb ingest …args` into `url` (none for a dry run, which needs no database); fails when
 * it rejects a row (the bench's inputs are all valid).
 */
export async function runOptdb(url: string | undefined, args: readonly string[]): Promise<ProcessReport> {
  const child = spawn(process.execPath, [CLI, 'ingest', ...args, '--json', '--no-progress'], {
    env: url === undefined ? process.env : { ...process.env, DATABASE_URL: url },
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
