/**
 * The `unnest` strategy: one `INSERT … SELECT FROM unnest($arrays) ON CONFLICT DO UPDATE`
 * per batch through Prisma's raw API — what Prisma users write for bulk upserts, since
 * Prisma has no upsertMany. Parameters are bound (one text array per column), never
 * spliced into the SQL.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import { ledgerParameters } from './ledger.js';
import { RECORD_BATCH } from './sql/ledger.js';
import type { DayPartitionSet } from '../db/day-partitions.js';
import type { Batch } from './batch.js';
import {
  anyContractKnowsMore,
  CONTRACTS_FROM_PARAMETERS,
  contractParameters,
  enrichKnownContracts,
  insertNewContracts,
} from './sql/contracts.js';
import { mergeCounts, type WriteCounts, type WriteStrategy } from './strategy.js';
import { unnestSource, upsertChangedRows } from './sql/upsert.js';

// Interactive transactions default to 5 s, too short for a large batch on a busy server.
const TRANSACTION_OPTIONS = { maxWait: 30_000, timeout: 300_000 };
const INSERT_NEW_CONTRACTS = insertNewContracts(CONTRACTS_FROM_PARAMETERS);
const ENRICH_KNOWN_CONTRACTS = enrichKnownContracts(CONTRACTS_FROM_PARAMETERS);

export class UnnestUpsertStrategy implements WriteStrategy {
  readonly name = 'unnest' as const;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly partitions: DayPartitionSet,
  ) {}

  async write(batch: Batch): Promise<WriteCounts> {
    await this.partitions.ensureFor(batch.table.name, batch.rows);
    const table = batch.table;
    const upsert = upsertChangedRows(table, unnestSource(table));
    const columns = table.columns.map((column) => batch.rows.map((row) => row[column.name] ?? null));
    const parameters = contractParameters(batch.contracts);
    return this.prisma.$transaction(async (tx) => {
      const [{ created }] = await tx.$queryRawUnsafe<[{ created: number }]>(INSERT_NEW_CONTRACTS, ...parameters);
      const [{ enriched }] = anyContractKnowsMore(batch.contracts)
        ? await tx.$queryRawUnsafe<[{ enriched: number }]>(ENRICH_KNOWN_CONTRACTS, ...parameters)
        : [{ enriched: 0 }];
      const [merged] = await tx.$queryRawUnsafe<[{ inserted: number; updated: number }]>(upsert, ...columns);
      if (batch.ledger) await tx.$executeRawUnsafe(RECORD_BATCH, ...ledgerParameters(batch.ledger));
      return mergeCounts(batch, merged, { created, enriched });
    }, TRANSACTION_OPTIONS);
  }
}
