/**
 * Where rejected rows go: counted always, and written as NDJSON to `--rejects <file>`
 * when given — one line per row with the input, its location, the raw text and why.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import { openOutputFile } from '../output-file.js';

export interface Reject {
  readonly source: string;
  readonly location: number;
  readonly raw: string;
  readonly reason: string;
}

// A reject line stays readable even when the offending input was a 10 MB line.
const MAX_RAW_CHARS = 64 * 1024;

export class RejectSink {
  private readonly stream: fs.WriteStream | undefined;
  private total = 0;

  constructor(readonly path: string | undefined) {
    this.stream = path ? fs.createWriteStream(path, { fd: openOutputFile(path) }) : undefined;
  }

  get count(): number {
    return this.total;
  }

  async write(reject: Reject): Promise<void> {
    this.total++;
    if (!this.stream) return;
    const truncated = reject.raw.length > MAX_RAW_CHARS;
    const line = JSON.stringify({
      source: reject.source,
      location: reject.location,
      raw: truncated ? reject.raw.slice(0, MAX_RAW_CHARS) : reject.raw,
      ...(truncated && { raw_truncated: true }),
      reason: reject.reason,
    });
    if (!this.stream.write(`${line}\n`)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (!this.stream) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
