/**
 * The ways a task can write one snapshot row, behind one small interface so that a
 * load-test step measures only what sits behind the gate:
 *
 * - `incident`: the pattern that fails under load — one Prisma `upsert` per row whose create
 *   links the contract with a nested `connect` (Prisma runs a lookup and then the write
 *   itself, not one `INSERT … ON CONFLICT`);
 * - `per-row`: the usual fix — the same upsert with `ticker` assigned directly;
 * - `buffer`: optdb's write buffer — concurrent single-row writes coalesced into COPY
 *   batches (falling back to unnest, then per-row, on planner errors, as ingest does) —
 *   called from behind the same per-row gate: the `incident` code with its upsert call
 *   swapped for `buffer.write`. Only `limit` rows are ever in flight, so batches hold at
 *   most that many;
 * - `buffer-only`: the write buffer as optdb means it to be used — no per-row gate in
 *   front: every task's row goes straight into the buffer, whose own gate bounds the
 *   batches written at once (OPTDB_WRITE_CONCURRENCY). The database still sees only that
 *   many statements at a time, however many tasks there are.
 */
import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.js';
import { createStrategyChain } from '../write/create-strategy.js';
import type { RetryLimits } from '../retry-limits.js';
import { snapshotWriteBuffer } from '../write/snapshot-buffer.js';
import { snapshotData } from './prisma-snapshot-data.js';
import { LOADTEST_SNAPSHOT_OPTIONS, validRow } from './workload.js';

export const WRITE_PATH_NAMES = ['incident', 'per-row', 'buffer', 'buffer-only'] as const;
export type WritePathName = (typeof WRITE_PATH_NAMES)[number];

export interface WritePath {
  /** Resolves when the row is committed; rejects with the database's (or driver's) error. */
  write(result: unknown): Promise<void>;
  /** Waits for anything still buffered, then releases what the path holds (not the pool). */
  close(): Promise<void>;
  /**
   * Set when the path bounds its own database writes and takes no per-row gate: the
   * writes it runs at once, and how many rows wait in it now.
   */
  readonly ownGate?: { readonly limit: number; queued(): number };
}

export interface WritePathDeps {
  readonly pool: pg.Pool;
  readonly prisma: PrismaClient;
  /** The buffer's batches written at once (OPTDB_WRITE_CONCURRENCY). */
  readonly writeConcurrency: number;
  /** The buffer's retries of a failing batch. */
  readonly retry: RetryLimits;
}

export function openWritePath(name: WritePathName, deps: WritePathDeps): WritePath {
  switch (name) {
    case 'incident':
      return perRowUpsert(deps.prisma, 'connect');
    case 'per-row':
      return perRowUpsert(deps.prisma, 'direct');
    case 'buffer':
      return bufferPath(deps, false);
    case 'buffer-only':
      return bufferPath(deps, true);
  }
}

function perRowUpsert(prisma: PrismaClient, foreignKey: 'connect' | 'direct'): WritePath {
  return {
    async write(result) {
      const { ticker, ...fields } = snapshotData(validRow(result).row);
      const where = { ticker_capturedAt: { ticker, capturedAt: fields.capturedAt } };
      const create = foreignKey === 'connect' ? { ...fields, option: { connect: { ticker } } } : { ticker, ...fields };
      await prisma.optionSnapshot.upsert({ where, create, update: fields });
    },
    close: async () => {},
  };
}

function bufferPath({ pool, prisma, writeConcurrency, retry }: WritePathDeps, ownGate: boolean): WritePath {
  const { strategy, fallbacks } = createStrategyChain('copy', pool, prisma);
  const buffer = snapshotWriteBuffer(strategy, LOADTEST_SNAPSHOT_OPTIONS, { fallbacks, retry, concurrency: writeConcurrency });
  return {
    async write(result) {
      await buffer.write(result);
    },
    close: () => buffer.close(),
    ...(ownGate ? { ownGate: { limit: writeConcurrency, queued: () => buffer.pending } } : {}),
  };
}
