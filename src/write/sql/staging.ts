/**
 * The copy strategy's staging tables: transaction-local (ON COMMIT DROP), so they work
 * through transaction poolers. Shared with doctor's plans check, which explains the
 * merge statements against the same tables.
 */
import pg from 'pg';
import { CONTRACT_COLUMNS, missingContracts } from './contracts.js';
import type { TableSpec } from '../tables.js';
import { changedRows } from './upsert.js';

export const STAGED_ROWS = 'optdb_staged_rows';
export const STAGED_CONTRACTS = 'optdb_staged_contracts';
/** The staged rows as changedRows reads them. */
export const STAGED_ROWS_SOURCE = `${STAGED_ROWS} AS s`;
/** The staged rows that are not stored with the same values, as the upsert reads them. */
export const CHANGED_ROWS = 'optdb_changed_rows';
export const CHANGED_ROWS_SOURCE = `${CHANGED_ROWS} AS s`;
/** The tickers of the changed rows that have no contract yet. */
export const CONTRACTS_MISSING_FOR_CHANGED_ROWS = missingContracts(`${CHANGED_ROWS} AS r`);
/** The staged contracts as the contract statements read them. */
export const STAGED_CONTRACTS_SOURCE = `${STAGED_CONTRACTS} AS i`;

export const CREATE_STAGED_CONTRACTS = `CREATE TEMPORARY TABLE ${STAGED_CONTRACTS} (${CONTRACT_COLUMNS.map((c) => `${c} text`).join(', ')}) ON COMMIT DROP`;

/** A staging table with the target's columns and types, empty. */
export function createStagedRows(table: TableSpec): string {
  return `CREATE TEMPORARY TABLE ${STAGED_ROWS} ON COMMIT DROP AS SELECT ${stagedColumns(table)} FROM ${pg.escapeIdentifier(table.name)} WITH NO DATA`;
}

/** Keeps the staged rows that are not stored with the same values (see changedRows). */
export function createChangedRows(table: TableSpec): string {
  return `CREATE TEMPORARY TABLE ${CHANGED_ROWS} ON COMMIT DROP AS ${changedRows(table, STAGED_ROWS_SOURCE)}`;
}

export function stagedColumns(table: TableSpec): string {
  return table.columns.map((c) => pg.escapeIdentifier(c.name)).join(', ');
}
