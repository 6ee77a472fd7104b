/**
 * The `copy` strategy (default): a batch in one transaction, writing only what changes.
 *
 * Rows whose keys are all new (a new trading day, a new capture) are COPYed straight into
 * the target, which the server loads fastest. Any other batch is COPYed into a staging
 * table; the rows not stored with the same values are kept in a second one, and upserted
 * into the target with one INSERT … SELECT … ON CONFLICT. Which batch is which is found
 * by trying (new-keys.ts); after a fall-back a table's batches go to the staging tables
 * directly, until one whose keys all turn out new — so a re-ingest does not pay a failed
 * COPY per batch.
 *
 * Contracts are written before the rows that reference them, and only those that need
 * it: ones not stored yet, and ones this source knows more about. Contracts that know
 * nothing but their tickers (a day_aggs file's) are looked for only for rows that are
 * new or change, so a re-ingest looks up none; the others are probed as sent. When all
 * that need a write are new, they are COPYed straight into `options` the same way.
 *
 * A batch of one trading day that has no partition in option_day_aggs yet goes to the
 * day's load instead (day-load.ts): COPYed into a bare table, attached whole when the
 * input ends. Any other day_aggs batch first makes sure its days have partitions.
 *
 * The staging tables are transaction-local (`ON COMMIT DROP`), so this works through
 * transaction poolers too.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { withPooledClient } from '../db/pool.js';
import { ledgerParameters } from './ledger.js';
import { RECORD_BATCH } from './sql/ledger.js';
import type { Batch } from './batch.js';
import type { ContractRow } from '../domain/contract.js';
import {
  anyContractKnowsMore,
  CONTRACTS_TO_WRITE,
  contractsToWriteParameters,
  contractValues,
  COPY_NEW_CONTRACTS,
  newContractValues,
  enrichKnownContracts,
  insertNewContracts,
} from './sql/contracts.js';
import { ifKeysAreNew } from './new-keys.js';
import { copyText, copyTextOfRows } from './copy-text.js';
import {
  CHANGED_ROWS_SOURCE,
  CONTRACTS_MISSING_FOR_CHANGED_ROWS,
  createChangedRows,
  CREATE_STAGED_CONTRACTS,
  createStagedRows,
  STAGED_CONTRACTS,
  STAGED_CONTRACTS_SOURCE,
  STAGED_ROWS,
  stagedColumns,
} from './sql/staging.js';
import { type CountCorrection, emptyCounts, mergeCounts, type WriteCounts, type WriteStrategy } from './strategy.js';
import { upsertStatement } from './sql/upsert.js';
import { inTransaction } from '../db/transaction.js';
import { DayPartitionSet } from '../db/day-partitions.js';
import { DayLoads, singleDay } from './day-load.js';
import { DAY_AGGS, type TableSpec } from './tables.js';

const INSERT_NEW_CONTRACTS = insertNewContracts(STAGED_CONTRACTS_SOURCE);
const ENRICH_KNOWN_CONTRACTS = enrichKnownContracts(STAGED_CONTRACTS_SOURCE);

export interface CopyMergeOptions {
  /**
   * Load a day_aggs batch of a day without a partition into a table of its own, attached
   * when finishInput is called for its input (day-load.ts): for an ingest, which calls it
   * as each input ends. Off, every batch is visible when it commits (the write buffer).
   */
  readonly loadNewDays?: boolean | undefined;
}

export class CopyMergeStrategy implements WriteStrategy {
  readonly name = 'copy' as const;
  /** Tables whose last batch met an existing key: their next batches go to the staging tables directly. */
  private readonly meetingKnownKeys = new Set<string>();
  /** Set when new days are loaded apart: only for a caller that ends each input with finishInput. */
  private readonly dayLoads: DayLoads | undefined;
  /** Owns the day loads of inputs without an import identity. */
  private readonly runOwner = `run ${randomUUID()}`;

  constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: DayPartitionSet = new DayPartitionSet(pool),
    options: CopyMergeOptions = {},
  ) {
    this.dayLoads = options.loadNewDays ? new DayLoads(pool, partitions) : undefined;
  }

  async write(batch: Batch): Promise<WriteCounts> {
    const table = batch.table;
    const day = this.dayLoads && table === DAY_AGGS ? singleDay(batch.rows) : undefined;
    const load = day === undefined ? undefined : await this.dayLoads!.tableFor(day, this.ownerOf(batch.ledger?.importId));
    if (load !== undefined) {
      const counts = await this.writeToLoad(batch, load);
      await this.dayLoads!.loaded(day!, batch.rows.length);
      return counts;
    }
    await this.partitions.ensureFor(table.name, batch.rows);
    const columns = stagedColumns(table);
    const rows = copyTextOfRows(
      batch.rows,
      table.columns.map((c) => c.name),
    );
    const tryNewKeys = !this.meetingKnownKeys.has(table.name);
    // A connection that failed (mid-COPY, say) may be unusable: withPooledClient destroys it.
    return withPooledClient(this.pool, (client) =>
      inTransaction(client, async () => {
        let written: { merged: MergedCounts; contracts: ContractCounts };
        if (tryNewKeys) {
          const contracts = await writeContracts(client, batch.contracts, CONTRACTS_TO_WRITE, contractsToWriteParameters(batch.contracts));
          const copied = await ifKeysAreNew(client, async () => {
            await copyInto(client, `COPY ${pg.escapeIdentifier(table.name)} (${columns}) FROM STDIN`, rows);
            return { inserted: batch.rows.length, updated: 0 };
          });
          written = copied ? { merged: copied, contracts } : await mergeStaged(client, batch, rows, contracts);
        } else {
          const contracts = anyContractKnowsMore(batch.contracts)
            ? await writeContracts(client, batch.contracts, CONTRACTS_TO_WRITE, contractsToWriteParameters(batch.contracts))
            : undefined;
          written = await mergeStaged(client, batch, rows, contracts);
        }
        if (written.merged.inserted === batch.rows.length) this.meetingKnownKeys.delete(table.name);
        else this.meetingKnownKeys.add(table.name);
        if (batch.ledger) await client.query(RECORD_BATCH, ledgerParameters(batch.ledger));
        return mergeCounts(batch, written.merged, written.contracts);
      }),
    );
  }

  /** Attaches the day loads of an input that ended (see DayLoads.finish). */
  async finishInput(importId: string | undefined): Promise<CountCorrection> {
    return this.dayLoads ? this.dayLoads.finish(this.ownerOf(importId)) : { ...emptyCounts(), collapsed: 0 };
  }

  private ownerOf(importId: string | undefined): string {
    return importId ?? this.runOwner;
  }

  /** A batch of a day being loaded: its contracts, then its rows COPYed into the day's loading table — every key new. */
  private async writeToLoad(batch: Batch, load: string): Promise<WriteCounts> {
    const rows = copyTextOfRows(
      batch.rows,
      batch.table.columns.map((c) => c.name),
    );
    return withPooledClient(this.pool, (client) =>
      inTransaction(client, async () => {
        const contracts = await writeContracts(client, batch.contracts, CONTRACTS_TO_WRITE, contractsToWriteParameters(batch.contracts));
        await copyInto(client, `COPY ${pg.escapeIdentifier(load)} (${stagedColumns(batch.table)}) FROM STDIN`, rows);
        if (batch.ledger) await client.query(RECORD_BATCH, ledgerParameters(batch.ledger));
        return mergeCounts(batch, { inserted: batch.rows.length, updated: 0 }, contracts);
      }),
    );
  }
}

/**
 * Stages the rows, keeps those that change, writes their missing contracts (unless the
 * batch's contracts were written already) and upserts them.
 */
async function mergeStaged(
  client: pg.PoolClient,
  batch: Batch,
  rows: string,
  contractsWritten: ContractCounts | undefined,
): Promise<{ merged: MergedCounts; contracts: ContractCounts }> {
  const table = batch.table;
  await client.query(createStagedRows(table));
  await copyInto(client, `COPY ${STAGED_ROWS} (${stagedColumns(table)}) FROM STDIN`, rows);
  await client.query(createChangedRows(table));
  const contracts = contractsWritten ?? (await writeContracts(client, batch.contracts, CONTRACTS_MISSING_FOR_CHANGED_ROWS, []));
  const merged = (await client.query<MergedCounts>(upsertFromChangedRows(table))).rows[0]!;
  return { merged, contracts };
}

interface ContractCounts {
  readonly created: number;
  readonly enriched: number;
}

interface MergedCounts {
  readonly inserted: number;
  readonly updated: number;
}

const UPSERTS = new Map<string, string>();

function upsertFromChangedRows(table: TableSpec): string {
  let sql = UPSERTS.get(table.name);
  if (!sql) UPSERTS.set(table.name, (sql = upsertStatement(table, CHANGED_ROWS_SOURCE)));
  return sql;
}

/**
 * Writes the contracts that `probe` says need a write — new ones, or ones this batch
 * enriches (`known`) — and leaves the rest alone.
 */
async function writeContracts(
  client: pg.PoolClient,
  contracts: readonly ContractRow[],
  probe: string,
  parameters: unknown[],
): Promise<ContractCounts> {
  const { rows } = await client.query<{ ticker: string; known: boolean }>(probe, parameters);
  if (rows.length === 0) return { created: 0, enriched: 0 };
  const toWrite = new Set(rows.map((row) => row.ticker));
  const written = contracts.filter((contract) => toWrite.has(contract.ticker));
  if (!rows.some((row) => row.known)) {
    // All new, unless a concurrent writer has just created one: straight into `options`.
    const copied = await ifKeysAreNew(client, async () => {
      await copyInto(client, COPY_NEW_CONTRACTS, copyText(written, newContractValues));
      return written.length;
    });
    if (copied !== undefined) return { created: copied, enriched: 0 };
  }
  await client.query(CREATE_STAGED_CONTRACTS);
  await copyInto(client, `COPY ${STAGED_CONTRACTS} FROM STDIN`, copyText(written, contractValues));
  const created = (await client.query(INSERT_NEW_CONTRACTS)).rows[0].created as number;
  const enriched = anyContractKnowsMore(written) ? ((await client.query(ENRICH_KNOWN_CONTRACTS)).rows[0].enriched as number) : 0;
  return { created, enriched };
}

async function copyInto(client: pg.PoolClient, statement: string, text: string): Promise<void> {
  await pipeline(Readable.from([Buffer.from(text)]), client.query(copyFrom(statement)));
}
