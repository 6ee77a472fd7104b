/**
 * The stable identity of an input, under which its committed batches are recorded: the
 * absolute path, the size and a SHA-256 of the first MB — the same file gives the same
 * identity, a changed or replaced one does not. `--import-id` names it instead (stdin, pipes
 * and FIFOs have no identity of their own: without one, they are not resumable).
 *
 * The same file read another way gives other rows: snapshots stamped with another
 * `--captured-at`, or truncated to another resolution, have other keys. Such a reading
 * is another import (readingIdentity), or a rerun would skip rows it never wrote.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const HASHED_PREFIX_BYTES = 1024 * 1024;

export async function importIdentity(name: string): Promise<string | undefined> {
  if (name === '-') return undefined;
  const absolute = path.resolve(name);
  // A pipe, a FIFO or a device (`<(…)`, /dev/stdin) gives other bytes at every read under
  // the same name: like stdin, it has no identity of its own.
  if (!(await fs.stat(absolute)).isFile()) return undefined;
  const handle = await fs.open(absolute, 'r');
  try {
    const { size } = await handle.stat();
    const prefix = Buffer.alloc(Math.min(size, HASHED_PREFIX_BYTES));
    await handle.read(prefix, 0, prefix.length, 0);
    const hash = createHash('sha256').update(prefix).digest('hex');
    return `${absolute}|${size}|${hash}`;
  } finally {
    await handle.close();
  }
}

/**
 * The identity of an input read as `reading` says (how snapshot capture times are set;
 * undefined for the default reading, so that ledgers written before stay valid).
 */
export function readingIdentity(identity: string, reading: string | undefined): string {
  return reading === undefined ? identity : `${identity}|${reading}`;
}
