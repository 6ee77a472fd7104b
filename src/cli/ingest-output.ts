/**
 * What an ingest prints, in `optdb ingest` and `optdb demo` alike: its progress and
 * write events on stderr as it runs, then its summary — counts on stdout, or one JSON
 * object.
 */
import type { IngestFilesOptions } from '../ingest/ingest-files.js';
import type { IngestSummary } from '../ingest/pipeline.js';
import { say, warn } from './output.js';
import type { ProgressDisplay } from './progress-display.js';
import { describeWriteEvent } from './write-event-text.js';

/** The ingest's progress on `display`, its write events and ANALYZE failures as warnings. */
export function ingestListeners(display: ProgressDisplay): Pick<IngestFilesOptions, 'onProgress' | 'onWriteEvent' | 'onAnalyzeFailed'> {
  return {
    onProgress: (progress) => display.update(progress),
    onWriteEvent: (event) => warn(`optdb: ${describeWriteEvent(event)}`),
    onAnalyzeFailed: ({ table, code, meaning }) => {
      // The ingest is over: the bar is finished before the warning is printed under it.
      display.stop();
      warn(`optdb: ANALYZE ${table} did not finish (${code} ${meaning}); autovacuum will analyze it later`);
    },
  };
}

export interface SummaryFlags {
  readonly json?: boolean | undefined;
  /** Where the rejected rows went, when they were kept. */
  readonly rejects?: string | undefined;
}

// A summary is printed once per command: a give-up at the end of the stop grace may print
// it while the command is still finishing.
let summaryPrinted = false;

export function printSummary(summary: IngestSummary, flags: SummaryFlags): void {
  if (summaryPrinted) return;
  summaryPrinted = true;
  if (flags.json) {
    say(JSON.stringify({ ...summary, elapsedMs: Math.round(summary.elapsedMs), rowsPerSecond: Math.round(summary.rowsPerSecond) }));
    return;
  }
  const line = (label: string, value: number, note = '') =>
    say(`  ${label.padEnd(11)} ${String(value).padStart(10)}${note && `  ${note}`}`);
  if (summary.rowsRead === 0 && !summary.interrupted && summary.stopped === undefined)
    warn('optdb: nothing was read: the input holds no rows');
  const allSkipped = summary.rowsRead > 0 && summary.skipped === summary.rowsRead;
  const seconds = `${(summary.elapsedMs / 1000).toFixed(1)} s`;
  const verb = summary.stopped !== undefined ? 'stopped after reading' : summary.dryRun ? 'checked' : 'ingested';
  if (allSkipped) say(`nothing new: all ${summary.rowsRead} rows were committed by an earlier run (read in ${seconds})`);
  else say(`${verb} ${summary.rowsRead} rows in ${seconds} (${Math.round(summary.rowsPerSecond)} rows/s)`);
  if (summary.dryRun) {
    line('valid', summary.valid);
  } else {
    line('inserted', summary.inserted);
    line('updated', summary.updated);
    line('unchanged', summary.unchanged);
    if (summary.skipped > 0) line('skipped', summary.skipped, '(committed by an earlier run)');
  }
  line('collapsed', summary.collapsed);
  line('rejected', summary.rejected);
  if (!summary.dryRun) say(`  contracts   ${summary.contractsCreated} created, ${summary.contractsUpdated} updated`);
  if (summary.analyzed?.length) say(`  statistics  analyzed ${summary.analyzed.join(', ')} (changed by this ingest)`);
  if (summary.rejected > 0) say(flags.rejects ? `  rejects in ${flags.rejects}` : '  pass --rejects <file> to see why rows were rejected');
  const unresumable =
    'stdin or a pipe has no identity to resume under: feed the whole input again (committed rows come back unchanged, never doubled), with --import-id <id> to make later runs resumable';
  const committed = summary.inserted + summary.updated + summary.unchanged;
  // A stop's cause (too many rejects, a batch that failed) is said with its remedy below:
  // running the same command again would meet it again, so this line says only what a
  // rerun keeps.
  if (summary.stopped !== undefined)
    say(
      `  stopped: ${summary.dryRun ? 'checking stopped' : committed === 0 ? 'nothing was committed' : `the rows above are committed; ${summary.resumable ? 'a rerun skips them' : unresumable}`}`,
    );
  else if (summary.interrupted && !summary.dryRun)
    say(
      `  interrupted: the rows above are committed; ${summary.resumable ? 'run the same command again to resume after them' : unresumable}`,
    );
  else if (summary.interrupted) say('  interrupted');
}
