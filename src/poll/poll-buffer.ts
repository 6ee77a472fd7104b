/**
 * The one write buffer of a poll: every underlying's pages, every cycle, go through it,
 * so the database sees its batch statements only — never one statement per row or per
 * page. It lives as long as the poll (not one cycle), so the write gate keeps what it
 * learnt about the server from one cycle to the next.
 *
 * Each row carries its cycle's capture time: a cycle's rows share one captured_at, the
 * cycle's scheduled time truncated to the resolution, so a rerun of the same cycle
 * updates the same rows instead of adding new ones.
 */
import { SNAPSHOTS } from '../write/tables.js';
import type { JsonValue } from '../domain/json-value.js';
import { validateSnapshot } from '../domain/snapshot.js';
import type { WriteStrategy } from '../write/strategy.js';
import { WriteBuffer } from '../write/write-buffer.js';
import type { BufferSettings } from '../write/write-buffers.js';

/** One chain snapshot result as the client read it (lossless numbers), and its cycle's capture time. */
export interface PolledResult {
  readonly result: JsonValue;
  /** The cycle's time in Unix microseconds; the buffer truncates it to the resolution. */
  readonly capturedAtMicros: bigint;
}

export type PollBuffer = WriteBuffer<PolledResult>;

export function pollWriteBuffer(strategy: WriteStrategy, resolutionMicros: bigint, settings: BufferSettings = {}): PollBuffer {
  return new WriteBuffer<PolledResult>({
    ...settings,
    strategy,
    table: SNAPSHOTS,
    validate: ({ result, capturedAtMicros }) => validateSnapshot(result, { capturedAtMicros, resolutionMicros }),
  });
}
