/**
 * The load test's statements, on a short connection of their own through the direct URL
 * (never a pooler): the contracts created up front in one statement, and the cleanup —
 * snapshots first (their foreign key restricts deleting contracts), then contracts, in
 * one transaction. Only the load test's underlying and ticker shape are touched.
 */
import { withClient } from '../db/pool.js';
import type { ContractRow } from '../domain/contract.js';
import { CONTRACTS_FROM_PARAMETERS, contractParameters, insertNewContracts } from '../write/sql/contracts.js';
import { LOADTEST_TICKER_PATTERN, LOADTEST_UNDERLYING } from './workload.js';
import { inTransaction } from '../db/transaction.js';

const LOADTEST_CONTRACTS = `SELECT ticker FROM options WHERE underlying_ticker = $1 AND ticker ~ $2`;
const DELETE_SNAPSHOTS = `DELETE FROM option_snapshots WHERE ticker IN (${LOADTEST_CONTRACTS})`;
const DELETE_CONTRACTS = `DELETE FROM options WHERE underlying_ticker = $1 AND ticker ~ $2`;

export interface DeletedRows {
  readonly snapshots: number;
  readonly contracts: number;
}

export async function createContracts(url: string, contracts: readonly ContractRow[]): Promise<void> {
  await withClient(url, (client) => client.query(insertNewContracts(CONTRACTS_FROM_PARAMETERS), contractParameters(contracts)));
}

export async function deleteLoadtestData(url: string): Promise<DeletedRows> {
  const parameters = [LOADTEST_UNDERLYING, LOADTEST_TICKER_PATTERN];
  return withClient(url, (client) =>
    inTransaction(client, async () => {
      const snapshots = await client.query(DELETE_SNAPSHOTS, parameters);
      const contracts = await client.query(DELETE_CONTRACTS, parameters);
      return { snapshots: snapshots.rowCount ?? 0, contracts: contracts.rowCount ?? 0 };
    }),
  );
}
