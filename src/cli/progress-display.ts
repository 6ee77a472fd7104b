/**
 * Progress of long work: a live bar on a terminal (cli-progress), otherwise a plain line
 * every few seconds — logs and CI output stay readable.
 */
import cliProgress from 'cli-progress';
import type { IngestProgress } from '../ingest/pipeline.js';
import { warn } from './output.js';

const PLAIN_INTERVAL_MS = 5_000;

export interface ProgressDisplay {
  update(progress: IngestProgress): void;
  /** Ends the display; again is harmless. */
  stop(): void;
}

export function createProgressDisplay(enabled: boolean): ProgressDisplay {
  if (!enabled) return { update: () => {}, stop: () => {} };
  return process.stderr.isTTY ? new BarDisplay() : new PlainDisplay();
}

class BarDisplay implements ProgressDisplay {
  private readonly bar = new cliProgress.SingleBar(
    {
      format: '{source} |{bar}| {percentage}% {read}/{size} MB | {rows} rows | {rate} rows/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  private started = false;
  private source = '';

  update(p: IngestProgress): void {
    const size = p.totalBytes ?? Math.max(p.bytesRead, 1);
    const payload = {
      source: p.source.length > 24 ? `…${p.source.slice(-23)}` : p.source,
      read: (p.bytesRead / 1e6).toFixed(1),
      size: p.totalBytes === undefined ? '?' : (p.totalBytes / 1e6).toFixed(1),
      rows: p.rowsRead,
      rate: Math.round(p.rowsRead / Math.max(p.elapsedMs / 1000, 1e-3)),
    };
    if (!this.started || this.source !== p.source) {
      if (this.started) this.bar.stop();
      this.bar.start(size, p.bytesRead, payload);
      this.started = true;
      this.source = p.source;
      return;
    }
    this.bar.setTotal(size);
    this.bar.update(p.bytesRead, payload);
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}

class PlainDisplay implements ProgressDisplay {
  private last = 0;

  update(p: IngestProgress): void {
    if (p.elapsedMs - this.last < PLAIN_INTERVAL_MS) return;
    this.last = p.elapsedMs;
    const percent = p.totalBytes ? ` (${Math.min(100, (p.bytesRead / p.totalBytes) * 100).toFixed(0)}%)` : '';
    const rate = Math.round(p.rowsRead / Math.max(p.elapsedMs / 1000, 1e-3));
    warn(`optdb: ${p.source}${percent}: ${p.rowsRead} rows read, ${p.rowsWritten} written, ${rate} rows/s`);
  }

  stop(): void {}
}
