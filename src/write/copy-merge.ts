/**
 * The `copy` strategy (default): in one transaction, COPY the batch's contracts and rows
 * into transaction-local staging tables (`ON COMMIT DROP`), write the contracts, then
 * merge the rows into the target with one INSERT … SELECT … ON CONFLICT. Everything
 * happens inside the transaction, so it works through transaction poolers too.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { withPooledClient } from '../db/pool.js';
import { ledgerParameters } from './ledger.js';
import { RECORD_BATCH } from './sql/ledger.js';
import type { Batch } from './batch.js';
import { anyContractKnowsMore, contractValues, enrichKnownContracts, insertNewContracts } from './sql/contracts.js';
import { copyText, copyTextOfRows } from './copy-text.js';
import {
  CREATE_STAGED_CONTRACTS,
  createStagedRows,
  STAGED_CONTRACTS,
  STAGED_CONTRACTS_SOURCE,
  STAGED_ROWS,
  stagedColumns,
} from './sql/staging.js';
import { mergeCounts, type WriteCounts, type WriteStrategy } from './strategy.js';
import type { TableSpec } from './tables.js';
import { upsertStatement } from './sql/upsert.js';
import { inTransaction } from '../db/transaction.js';

const INSERT_NEW_CONTRACTS = insertNewContracts(STAGED_CONTRACTS_SOURCE);
const ENRICH_KNOWN_CONTRACTS = enrichKnownContracts(STAGED_CONTRACTS_SOURCE);

export class CopyMergeStrategy implements WriteStrategy {
  readonly name = 'copy' as const;
  private readonly mergeSql = new Map<string, string>();

  constructor(private readonly pool: pg.Pool) {}

  async write(batch: Batch): Promise<WriteCounts> {
    const table = batch.table;
    const columns = stagedColumns(table);
    // A connection that failed (mid-COPY, say) may be unusable: withPooledClient destroys it.
    return withPooledClient(this.pool, (client) =>
      inTransaction(client, async () => {
        await client.query(CREATE_STAGED_CONTRACTS);
        await client.query(createStagedRows(table));
        await copyInto(client, `COPY ${STAGED_CONTRACTS} FROM STDIN`, copyText(batch.contracts, contractValues));
        await copyInto(
          client,
          `COPY ${STAGED_ROWS} (${columns}) FROM STDIN`,
          copyTextOfRows(
            batch.rows,
            table.columns.map((c) => c.name),
          ),
        );
        const created = (await client.query(INSERT_NEW_CONTRACTS)).rows[0].created as number;
        const enriched = anyContractKnowsMore(batch.contracts)
          ? ((await client.query(ENRICH_KNOWN_CONTRACTS)).rows[0].enriched as number)
          : 0;
        const merged = (await client.query(this.merge(table))).rows[0];
        if (batch.ledger) await client.query(RECORD_BATCH, ledgerParameters(batch.ledger));
        return mergeCounts(batch, merged, { created, enriched });
      }),
    );
  }

  private merge(table: TableSpec): string {
    let sql = this.mergeSql.get(table.name);
    if (!sql) {
      sql = upsertStatement(table, STAGED_ROWS);
      this.mergeSql.set(table.name, sql);
    }
    return sql;
  }
}

async function copyInto(client: pg.PoolClient, statement: string, text: string): Promise<void> {
  await pipeline(Readable.from([Buffer.from(text)]), client.query(copyFrom(statement)));
}
