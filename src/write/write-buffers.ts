/** Write buffers for optdb's two kinds of rows, taking inputs in the source formats. */
import { validateDayAgg } from '../domain/day-agg.js';
import { fromPlainJson } from '../domain/plain-json.js';
import { type SnapshotOptions, validateSnapshot } from '../domain/snapshot.js';
import type { WriteStrategy } from './strategy.js';
import { DAY_AGGS, SNAPSHOTS } from './tables.js';
import { WriteBuffer, type WriteBufferOptions } from './write-buffer.js';

/** Everything but the table and validation, which each buffer below fixes. */
export type BufferSettings = Omit<WriteBufferOptions<unknown>, 'strategy' | 'table' | 'validate'>;

/** Takes Polygon option-chain snapshot results (one `results[]` element per write). */
export function snapshotWriteBuffer(strategy: WriteStrategy, snapshot: SnapshotOptions, settings: BufferSettings = {}): WriteBuffer<unknown> {
  return new WriteBuffer({ ...settings, strategy, table: SNAPSHOTS, validate: (result) => validateSnapshot(fromPlainJson(result), snapshot) });
}

/** Takes `day_aggs_v1` rows by column name (`ticker`, `volume`, `open`, … as text). */
export function dayAggWriteBuffer(strategy: WriteStrategy, settings: BufferSettings = {}): WriteBuffer<Readonly<Record<string, string>>> {
  return new WriteBuffer({ ...settings, strategy, table: DAY_AGGS, validate: validateDayAgg });
}
