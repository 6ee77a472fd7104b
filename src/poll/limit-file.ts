/**
 * `optdb poll --limit-file <path>`: the write limit of a running poll, changed without a
 * restart. Such a limit is moved gradually (700 → 500 → 300 → 100, not 700 → 100 at
 * once), so that each step's effect is seen before the next: the file says the limit
 * wanted, and the write gate gets there in steps.
 *
 * The file is polled (fs.watchFile, one stat per interval) rather than watched for
 * events: polling also sees a file that an editor replaces instead of rewriting, and one
 * that appears after the poll started. A file present at the start applies at once, so a
 * restarted poll keeps the operator's limit.
 */
import fs from 'node:fs';

export interface LimitFileEvents {
  /** The file asks for a new limit (a whole number from 1 to the most allowed). */
  readonly onLimit: (limit: number) => void;
  /** The file says something that is not such a limit; it is ignored. */
  readonly onProblem: (problem: string) => void;
}

const POLL_INTERVAL_MS = 1_000;

export interface LimitBounds {
  /** The limit in force when watching starts: a file that says it changes nothing. */
  readonly starting: number;
  /** The most allowed (the pool size). */
  readonly max: number;
}

/** Starts watching; returns a function that stops. */
export function watchLimitFile(path: string, bounds: LimitBounds, events: LimitFileEvents): () => void {
  let applied = bounds.starting;
  const read = () => {
    let text: string;
    try {
      text = fs.readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') events.onProblem(`cannot read ${path}: ${(error as Error).message}`);
      return;
    }
    const limit = parseLimit(text.trim(), bounds.max);
    if (typeof limit === 'string') {
      events.onProblem(`${path} says ${JSON.stringify(text.trim().slice(0, 40))}: ${limit}`);
      return;
    }
    if (limit === applied) return;
    applied = limit;
    events.onLimit(limit);
  };
  const listener = (current: fs.Stats, previous: fs.Stats) => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size || current.ino !== previous.ino) read();
  };
  read();
  // Not persistent: the poll keeps the process alive, the watch never does.
  fs.watchFile(path, { interval: POLL_INTERVAL_MS, persistent: false }, listener);
  return () => fs.unwatchFile(path, listener);
}

/** The limit, or what is wrong with the text. */
function parseLimit(text: string, maxLimit: number): number | string {
  if (!/^\d+$/.test(text)) return 'expected the number of batches to write at once, a whole number';
  const limit = Number(text);
  if (limit < 1) return 'the limit must be at least 1';
  if (limit > maxLimit) return `above the pool size ${maxLimit} (OPTDB_POOL_SIZE): batches would queue for connections`;
  return limit;
}
