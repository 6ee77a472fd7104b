/**
 * The three ways a task can write one snapshot row, behind one small interface so that a
 * load-test step measures only what sits behind the gate:
 *
 * - `incident`: what broke in production — one Prisma `upsert` per row whose create
 *   links the contract with a nested `connect` (Prisma runs a lookup and then the write
 *   itself, not one `INSERT … ON CONFLICT`);
 * - `per-row`: the knowledge base's fix — the same upsert with `ticker` assigned directly;
 * - `buffer`: optdb's write buffer — concurrent single-row writes coalesced into COPY
 *   batches (falling back to unnest, then per-row, on planner errors, as ingest does).
 */
import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.js';
import { createStrategy } from '../write/create-strategy.js';
import type { RetryLimits } from '../write/resilient-writer.js';
import { snapshotWriteBuffer } from '../write/write-buffers.js';
import { snapshotData } from './prisma-snapshot-data.js';
import { LOADTEST_SNAPSHOT_OPTIONS, validRow } from './workload.js';

export const WRITE_PATH_NAMES = ['incident', 'per-row', 'buffer'] as const;
export type WritePathName = (typeof WRITE_PATH_NAMES)[number];

export interface WritePath {
  /** Resolves when the row is committed; rejects with the database's (or driver's) error. */
  write(result: unknown): Promise<void>;
  /** Waits for anything still buffered, then releases what the path holds (not the pool). */
  close(): Promise<void>;
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
      return bufferPath(deps);
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

function bufferPath({ pool, prisma, writeConcurrency, retry }: WritePathDeps): WritePath {
  const [strategy, ...fallbacks] = (['copy', 'unnest', 'prisma'] as const).map((name) => createStrategy(name, pool, prisma));
  const buffer = snapshotWriteBuffer(strategy!, LOADTEST_SNAPSHOT_OPTIONS, { fallbacks, retry, concurrency: writeConcurrency });
  return {
    async write(result) {
      await buffer.write(result);
    },
    close: () => buffer.close(),
  };
}
