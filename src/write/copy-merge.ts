/**
 * The `copy` strategy (default): in one transaction, COPY the batch into a
 * transaction-local staging table (`ON COMMIT DROP`), write the contracts, then merge the
 * staging table into the target with one INSERT … SELECT … ON CONFLICT. Everything
 * happens inside the transaction, so it works through transaction poolers too.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Batch } from './batch.js';
import { contractParameters, ENRICH_KNOWN_CONTRACTS, INSERT_NEW_CONTRACTS } from './contracts-sql.js';
import { copyTextLine } from './copy-text.js';
import type { WriteCounts, WriteStrategy } from './strategy.js';
import { upsertStatement } from './upsert-sql.js';
import type { TableSpec } from './tables.js';

const STAGING_TABLE = 'optdb_staging';
const ROWS_PER_CHUNK = 500;

export class CopyMergeStrategy implements WriteStrategy {
  readonly name = 'copy' as const;
  private readonly mergeSql = new Map<string, string>();

  constructor(private readonly pool: pg.Pool) {}

  async write(batch: Batch): Promise<WriteCounts> {
    const client = await this.pool.connect();
    let failed = false;
    try {
      await client.query('BEGIN');
      const columns = batch.table.columns.map((c) => `"${c.name}"`).join(', ');
      await client.query(
        `CREATE TEMPORARY TABLE ${STAGING_TABLE} ON COMMIT DROP AS SELECT ${columns} FROM "${batch.table.name}" WITH NO DATA`,
      );
      await pipeline(Readable.from(copyChunks(batch)), client.query(copyFrom(`COPY ${STAGING_TABLE} (${columns}) FROM STDIN`)));
      const parameters = contractParameters(batch.contracts);
      const created = (await client.query(INSERT_NEW_CONTRACTS, parameters)).rows[0].created as number;
      const enriched = (await client.query(ENRICH_KNOWN_CONTRACTS, parameters)).rows[0].enriched as number;
      const { inserted, updated } = (await client.query(this.merge(batch.table))).rows[0];
      await client.query('COMMIT');
      return { inserted, updated, unchanged: batch.rows.length - inserted - updated, contractsCreated: created, contractsUpdated: enriched };
    } catch (error) {
      failed = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A connection whose transaction failed mid-COPY may be unusable: do not reuse it.
      client.release(failed ? true : undefined);
    }
  }

  private merge(table: TableSpec): string {
    let sql = this.mergeSql.get(table.name);
    if (!sql) {
      sql = upsertStatement(table, STAGING_TABLE);
      this.mergeSql.set(table.name, sql);
    }
    return sql;
  }
}

function* copyChunks(batch: Batch): Generator<string> {
  let chunk = '';
  for (let i = 0; i < batch.rows.length; i++) {
    chunk += copyTextLine(batch.table, batch.rows[i]!);
    if ((i + 1) % ROWS_PER_CHUNK === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
