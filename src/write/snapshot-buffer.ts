/**
 * Write buffers of option-chain snapshot results, the rows many producers hand over one
 * at a time: a program's results as plain JSON (`snapshotWriteBuffer`), and the poll's,
 * each carrying its cycle's capture time (`pollWriteBuffer`).
 */
import type { JsonValue } from '../domain/json-value.js';
import { fromPlainJson } from '../domain/plain-json.js';
import { type SnapshotOptions, validateSnapshot } from '../domain/snapshot.js';
import type { WriteStrategy } from './strategy.js';
import { SNAPSHOTS } from './tables.js';
import { WriteBuffer, type WriteBufferOptions } from './write-buffer.js';

/** Everything but the table and validation, which each buffer below fixes. */
export type BufferSettings = Omit<WriteBufferOptions<unknown>, 'strategy' | 'table' | 'validate'>;

/** Takes Polygon option-chain snapshot results (one `results[]` element per write). */
export function snapshotWriteBuffer(
  strategy: WriteStrategy,
  snapshot: SnapshotOptions,
  settings: BufferSettings = {},
): WriteBuffer<unknown> {
  return new WriteBuffer({
    ...settings,
    strategy,
    table: SNAPSHOTS,
    validate: (result) => validateSnapshot(fromPlainJson(result), snapshot),
  });
}

/** One chain snapshot result as the client read it (lossless numbers), and its cycle's capture time. */
export interface PolledResult {
  readonly result: JsonValue;
  /** The cycle's time in Unix microseconds; the buffer truncates it to the resolution. */
  readonly capturedAtMicros: bigint;
}

export type PollBuffer = WriteBuffer<PolledResult>;

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
export function pollWriteBuffer(strategy: WriteStrategy, resolutionMicros: bigint, settings: BufferSettings = {}): PollBuffer {
  return new WriteBuffer<PolledResult>({
    ...settings,
    strategy,
    table: SNAPSHOTS,
    validate: ({ result, capturedAtMicros }) => validateSnapshot(result, { capturedAtMicros, resolutionMicros }),
  });
}
