/**
 * The `copy` strategy (default), in one transaction: find which of the batch's contracts
 * need a write (new, or enriched by this source) and COPY just those into a staging
 * table and write them; then write the rows.
 *
 * Rows whose keys are all new (a new trading day, a new capture) are COPYed straight into
 * the target, which the server loads fastest; any other batch is COPYed into a staging
 * table and merged into the target with one INSERT … SELECT … ON CONFLICT. Which batch is
 * which is found by trying: the direct COPY runs under a savepoint, and a key that exists
 * (23505, already stored or written by a concurrent writer that committed first) rolls it
 * back to the merge, with the same result as if the merge had run alone. After such a
 * fall-back a table's batches go to the merge directly, until one whose keys all turn out
 * new — so a re-ingest does not pay a failed COPY per batch.
 *
 * The staging tables are transaction-local (`ON COMMIT DROP`), so this works through
 * transaction poolers too.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { PostgresError } from 'pg-error-enum';
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
  enrichKnownContracts,
  insertNewContracts,
} from './sql/contracts.js';
import { copyText, copyTextOfRows } from './copy-text.js';
import {
  CREATE_STAGED_CONTRACTS,
  createStagedRows,
  STAGED_CONTRACTS,
  STAGED_CONTRACTS_SOURCE,
  STAGED_ROWS,
  STAGED_ROWS_SOURCE,
  stagedColumns,
} from './sql/staging.js';
import { mergeCounts, type WriteCounts, type WriteStrategy } from './strategy.js';
import type { TableSpec } from './tables.js';
import { upsertStatement } from './sql/upsert.js';
import { inTransaction } from '../db/transaction.js';

const NEW_ROWS_SAVEPOINT = 'optdb_new_rows';
const INSERT_NEW_CONTRACTS = insertNewContracts(STAGED_CONTRACTS_SOURCE);
const ENRICH_KNOWN_CONTRACTS = enrichKnownContracts(STAGED_CONTRACTS_SOURCE);

export class CopyMergeStrategy implements WriteStrategy {
  readonly name = 'copy' as const;
  private readonly mergeSql = new Map<string, string>();
  /** Tables whose last batch met an existing key: their next batches go to the merge directly. */
  private readonly meetingKnownKeys = new Set<string>();

  constructor(private readonly pool: pg.Pool) {}

  async write(batch: Batch): Promise<WriteCounts> {
    const table = batch.table;
    const columns = stagedColumns(table);
    // A connection that failed (mid-COPY, say) may be unusable: withPooledClient destroys it.
    return withPooledClient(this.pool, (client) =>
      inTransaction(client, async () => {
        const contracts = await writeContracts(client, batch.contracts);
        const rows = copyTextOfRows(
          batch.rows,
          table.columns.map((c) => c.name),
        );
        let merged = this.meetingKnownKeys.has(table.name) ? undefined : await copyNewRows(client, table, rows, batch.rows.length);
        if (merged === undefined) {
          await client.query(createStagedRows(table));
          await copyInto(client, `COPY ${STAGED_ROWS} (${columns}) FROM STDIN`, rows);
          merged = (await client.query(this.merge(table))).rows[0] as { inserted: number; updated: number };
        }
        if (merged.inserted === batch.rows.length) this.meetingKnownKeys.delete(table.name);
        else this.meetingKnownKeys.add(table.name);
        if (batch.ledger) await client.query(RECORD_BATCH, ledgerParameters(batch.ledger));
        return mergeCounts(batch, merged, contracts);
      }),
    );
  }

  private merge(table: TableSpec): string {
    let sql = this.mergeSql.get(table.name);
    if (!sql) {
      sql = upsertStatement(table, STAGED_ROWS_SOURCE);
      this.mergeSql.set(table.name, sql);
    }
    return sql;
  }
}

/**
 * COPYs rows straight into the target, if every key is new: the counts, or undefined
 * (with nothing written) when a key exists.
 */
async function copyNewRows(
  client: pg.PoolClient,
  table: TableSpec,
  rows: string,
  count: number,
): Promise<{ inserted: number; updated: number } | undefined> {
  await client.query(`SAVEPOINT ${NEW_ROWS_SAVEPOINT}`);
  try {
    await copyInto(client, `COPY ${pg.escapeIdentifier(table.name)} (${stagedColumns(table)}) FROM STDIN`, rows);
  } catch (error) {
    if ((error as { code?: unknown }).code !== PostgresError.UNIQUE_VIOLATION) throw error;
    await client.query(`ROLLBACK TO SAVEPOINT ${NEW_ROWS_SAVEPOINT}`);
    return undefined;
  }
  await client.query(`RELEASE SAVEPOINT ${NEW_ROWS_SAVEPOINT}`);
  return { inserted: count, updated: 0 };
}

/** Writes the contracts that are new or enriched by this batch; the rest are left alone. */
async function writeContracts(
  client: pg.PoolClient,
  contracts: readonly ContractRow[],
): Promise<{ readonly created: number; readonly enriched: number }> {
  const { rows } = await client.query<{ ticker: string }>(CONTRACTS_TO_WRITE, contractsToWriteParameters(contracts));
  if (rows.length === 0) return { created: 0, enriched: 0 };
  const toWrite = new Set(rows.map((row) => row.ticker));
  const written = contracts.filter((contract) => toWrite.has(contract.ticker));
  await client.query(CREATE_STAGED_CONTRACTS);
  await copyInto(client, `COPY ${STAGED_CONTRACTS} FROM STDIN`, copyText(written, contractValues));
  const created = (await client.query(INSERT_NEW_CONTRACTS)).rows[0].created as number;
  const enriched = anyContractKnowsMore(written) ? ((await client.query(ENRICH_KNOWN_CONTRACTS)).rows[0].enriched as number) : 0;
  return { created, enriched };
}

async function copyInto(client: pg.PoolClient, statement: string, text: string): Promise<void> {
  await pipeline(Readable.from([Buffer.from(text)]), client.query(copyFrom(statement)));
}
