/**
 * The `prisma` strategy: the safe per-row pattern — one Prisma `upsert` per row with
 * the foreign key (`ticker`) assigned directly, never a nested `connect` (which Prisma
 * runs as a lookup and a write of its own, not one INSERT … ON CONFLICT). Slow by design
 * (a round trip per row); kept as the reference the bulk strategies are checked against,
 * and for small writes.
 *
 * Prisma's upsert always rewrites an existing row, so each row is read first and left
 * alone when nothing would change — the same "unchanged writes nothing" rule as the bulk
 * strategies. Prisma's DateTime is a JS Date: timestamps keep milliseconds, not the
 * microseconds the bulk strategies keep.
 */
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { DayPartitionSet } from '../db/day-partitions.js';
import type { Batch } from './batch.js';
import type { WriteCounts, WriteStrategy } from './strategy.js';
import { camel, type PrismaValue, toPrismaData } from './prisma-data.js';
import type { TableSpec } from './tables.js';

type Transaction = Prisma.TransactionClient;
type Record_ = Record<string, unknown>;

const TRANSACTION_OPTIONS = { maxWait: 30_000, timeout: 600_000 };

export class PrismaUpsertStrategy implements WriteStrategy {
  readonly name = 'prisma' as const;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly partitions: DayPartitionSet,
  ) {}

  async write(batch: Batch): Promise<WriteCounts> {
    await this.partitions.ensureFor(batch.table.name, batch.rows);
    return this.prisma.$transaction(async (tx) => {
      const counts: WriteCounts = { inserted: 0, updated: 0, unchanged: 0, contractsCreated: 0, contractsUpdated: 0 };
      await writeContracts(tx, batch, counts);
      const model = modelFor(tx, batch.table);
      for (const row of batch.rows) {
        const data = toPrismaData(batch.table, row);
        const where = model.uniqueWhere(data);
        const existing = (await model.delegate.findUnique({ where })) as Record_ | null;
        if (existing && sameValues(batch.table, existing, data)) {
          counts.unchanged++;
          continue;
        }
        const touched = batch.table.touchedAt ? { [camel(batch.table.touchedAt)]: new Date() } : {};
        await model.delegate.upsert({ where, create: data, update: { ...data, ...touched } });
        if (existing) counts.updated++;
        else counts.inserted++;
      }
      if (batch.ledger) {
        const { importId, firstRecord, lastRecord, rows } = batch.ledger;
        await tx.importBatch.createMany({ data: [{ importId, firstRecord, lastRecord, rows }], skipDuplicates: true });
      }
      return counts;
    }, TRANSACTION_OPTIONS);
  }
}

async function writeContracts(tx: Transaction, batch: Batch, counts: WriteCounts): Promise<void> {
  const created = await tx.option.createMany({
    data: batch.contracts.map((c) => ({
      ticker: c.ticker,
      underlyingTicker: c.underlyingTicker ?? c.underlyingGuess,
      root: c.root,
      contractType: c.contractType,
      expirationDate: new Date(`${c.expirationDate}T00:00:00Z`),
      strikePrice: c.strikePrice,
      sharesPerContract: c.sharesPerContract,
      exerciseStyle: c.exerciseStyle,
      primaryExchange: c.primaryExchange,
    })),
    skipDuplicates: true,
  });
  counts.contractsCreated += created.count;
  for (const c of batch.contracts) {
    // Only what this source knows, and only where it differs: `not` excludes NULLs in SQL,
    // so a nullable column also qualifies while it is still NULL.
    const known: Prisma.OptionUpdateManyMutationInput = {};
    const differs: Prisma.OptionWhereInput[] = [];
    if (c.underlyingTicker !== null) {
      known.underlyingTicker = c.underlyingTicker;
      differs.push({ underlyingTicker: { not: c.underlyingTicker } });
    }
    if (c.sharesPerContract !== null) {
      known.sharesPerContract = c.sharesPerContract;
      differs.push({ OR: [{ sharesPerContract: null }, { sharesPerContract: { not: c.sharesPerContract } }] });
    }
    if (c.exerciseStyle !== null) {
      known.exerciseStyle = c.exerciseStyle;
      differs.push({ OR: [{ exerciseStyle: null }, { exerciseStyle: { not: c.exerciseStyle } }] });
    }
    if (c.primaryExchange !== null) {
      known.primaryExchange = c.primaryExchange;
      differs.push({ OR: [{ primaryExchange: null }, { primaryExchange: { not: c.primaryExchange } }] });
    }
    if (differs.length === 0) continue;
    const updated = await tx.option.updateMany({ where: { ticker: c.ticker, OR: differs }, data: { ...known, updatedAt: new Date() } });
    counts.contractsUpdated += updated.count;
  }
}

interface ModelAccess {
  delegate: { findUnique(args: unknown): Promise<unknown>; upsert(args: unknown): Promise<unknown> };
  uniqueWhere(data: Record<string, PrismaValue>): unknown;
}

function modelFor(tx: Transaction, table: TableSpec): ModelAccess {
  switch (table.name) {
    case 'option_snapshots':
      return {
        delegate: tx.optionSnapshot as unknown as ModelAccess['delegate'],
        uniqueWhere: (d) => ({ ticker_capturedAt: { ticker: d.ticker, capturedAt: d.capturedAt } }),
      };
    case 'option_day_aggs':
      return {
        delegate: tx.optionDayAgg as unknown as ModelAccess['delegate'],
        uniqueWhere: (d) => ({ ticker_day: { ticker: d.ticker, day: d.day } }),
      };
  }
}

function sameValues(table: TableSpec, existing: Record_, data: Record<string, PrismaValue>): boolean {
  return table.columns.every((column) => {
    const field = camel(column.name);
    const now = existing[field];
    const next = data[field];
    if (now === null || next === null || now === undefined) return now === next || (now === undefined && next === null);
    if (column.type === 'numeric') return new Prisma.Decimal(now as Prisma.Decimal).equals(next as string);
    if (now instanceof Date) return now.getTime() === (next as Date).getTime();
    return now === next;
  });
}
