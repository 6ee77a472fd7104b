/**
 * An option_snapshots row as the data the per-row paths hand to `optionSnapshot.upsert`
 * (see write/prisma-data.ts: prices exact, timestamps to the millisecond).
 */
import type { Prisma } from '../generated/prisma/client.js';
import { toPrismaData } from '../write/prisma-data.js';
import { SNAPSHOTS, type TableRow } from '../write/tables.js';

export type SnapshotData = Prisma.OptionSnapshotUncheckedCreateInput;

export function snapshotData(row: TableRow): SnapshotData {
  return toPrismaData(SNAPSHOTS, row) as unknown as SnapshotData;
}
