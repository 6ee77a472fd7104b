/**
 * The contracts a batch references, written before its rows (by direct key, no relation
 * lookups), in two statements of the batch's transaction:
 *  1. new contracts are inserted — with the guessed underlying when no source named it;
 *  2. known contracts are enriched with what this source knows, only where that changes
 *     something: a null never overwrites a known value, and an unchanged contract gets
 *     no new row version. Skipped when no contract knows more than its ticker.
 * The contracts come as text columns from a source: parallel text arrays (unnest) or a
 * staging table filled by COPY; either way each statement is one flat INSERT/UPDATE.
 */
import type { ContractRow } from '../../domain/contract.js';
import { OPTIONS, writtenColumns } from '../../schema/tables.js';

/**
 * The text columns every contracts source provides, in this order: the `options` columns a
 * write supplies (the database fills the rest), then the underlying guessed from the
 * ticker, which stands in when no source names one.
 */
export const CONTRACT_COLUMNS = [...writtenColumns(OPTIONS).map((column) => column.name), 'underlying_guess'] as const;

type ContractColumn = (typeof CONTRACT_COLUMNS)[number];

/** The contracts as bound parameters $1, $2, …: one text array per column. */
export const CONTRACTS_FROM_PARAMETERS = `unnest(${CONTRACT_COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS i(${CONTRACT_COLUMNS.join(', ')})`;

/** The columns through which a source can tell more about a known contract than its ticker does. */
const ENRICHING_COLUMNS = ['underlying_ticker', 'shares_per_contract', 'exercise_style', 'primary_exchange'] as const;

/**
 * The batch's contracts that need a write, and whether each is `known`: those not in
 * `options` yet, and those this source would enrich (the same test as enrichKnownContracts). After the first day of a
 * backfill nearly every contract is known and unchanged, and one indexed probe per
 * ticker is about half the cost of staging and inserting them all again. Parameters:
 * the tickers, then one text array per enriching column — left empty (unnest pads a
 * shorter array with nulls) when no contract knows more than its ticker.
 *
 * The probe is a LATERAL subquery with LIMIT, which the planner cannot turn into a join:
 * each ticker is one index lookup whatever the statistics say. As a NOT EXISTS it was
 * planned as a hash anti-join reading all of `options` per batch — a table that grows
 * during the very load whose statistics predate it.
 */
export const CONTRACTS_TO_WRITE = `
  SELECT i.ticker, o.found IS NOT NULL AS known FROM unnest($1::text[], ${ENRICHING_COLUMNS.map((_, i) => `$${i + 2}::text[]`).join(', ')})
    AS i(ticker, ${ENRICHING_COLUMNS.join(', ')})
  LEFT JOIN LATERAL (
    SELECT true AS found, o.underlying_ticker, o.shares_per_contract, o.exercise_style, o.primary_exchange
    FROM options o WHERE o.ticker = i.ticker LIMIT 1
  ) o ON true
  WHERE o.found IS NULL
     OR (COALESCE(i.underlying_ticker, o.underlying_ticker), COALESCE(i.shares_per_contract::integer, o.shares_per_contract),
         COALESCE(i.exercise_style::exercise_style, o.exercise_style), COALESCE(i.primary_exchange, o.primary_exchange))
        IS DISTINCT FROM (o.underlying_ticker, o.shares_per_contract, o.exercise_style, o.primary_exchange)`;

/**
 * The tickers of `source`'s rows (as `r`) that have no contract yet: the contracts to
 * write for rows whose contracts know nothing more than their tickers. Probed as in
 * CONTRACTS_TO_WRITE.
 */
export function missingContracts(source: string): string {
  return `
  SELECT DISTINCT r.ticker, false AS known FROM ${source}
  LEFT JOIN LATERAL (SELECT true AS found FROM options o WHERE o.ticker = r.ticker LIMIT 1) o ON true
  WHERE o.found IS NULL`;
}

/** The parameters of CONTRACTS_TO_WRITE for these contracts. */
export function contractsToWriteParameters(contracts: readonly ContractRow[]): (string | null)[][] {
  const tickers = contracts.map((c) => c.ticker);
  if (!anyContractKnowsMore(contracts)) return [tickers, ...ENRICHING_COLUMNS.map(() => [])];
  return [
    tickers,
    contracts.map((c) => c.underlyingTicker),
    contracts.map((c) => (c.sharesPerContract === null ? null : String(c.sharesPerContract))),
    contracts.map((c) => c.exerciseStyle),
    contracts.map((c) => c.primaryExchange),
  ];
}

/** Inserts the contracts of `source` that are not in `options` yet. */
export function insertNewContracts(source: string): string {
  return `
  WITH created AS (
    INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price,
                         shares_per_contract, exercise_style, primary_exchange)
    SELECT ticker, COALESCE(underlying_ticker, underlying_guess), root, contract_type::contract_type,
           expiration_date::date, strike_price::numeric, shares_per_contract::integer,
           exercise_style::exercise_style, primary_exchange
    FROM ${source} ORDER BY ticker
    ON CONFLICT (ticker) DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::int AS created FROM created`;
}

/** The `options` columns a write supplies: CONTRACT_COLUMNS without the guess. */
const OPTIONS_COLUMNS = CONTRACT_COLUMNS.slice(0, -1);

/** COPYs new contracts (newContractValues) straight into `options`; one that exists fails it (23505). */
export const COPY_NEW_CONTRACTS = `COPY options (${OPTIONS_COLUMNS.join(', ')}) FROM STDIN`;

/** A new contract as COPY_NEW_CONTRACTS takes it: the guessed underlying where no source named one. */
export function newContractValues(c: ContractRow): (string | null)[] {
  return contractValues({ ...c, underlyingTicker: c.underlyingTicker ?? c.underlyingGuess }).slice(0, OPTIONS_COLUMNS.length);
}

export function enrichKnownContracts(source: string): string {
  return `
  WITH enriched AS (
    UPDATE options o SET
      underlying_ticker   = COALESCE(i.underlying_ticker, o.underlying_ticker),
      shares_per_contract = COALESCE(i.shares_per_contract::integer, o.shares_per_contract),
      exercise_style      = COALESCE(i.exercise_style::exercise_style, o.exercise_style),
      primary_exchange    = COALESCE(i.primary_exchange, o.primary_exchange),
      updated_at          = now()
    FROM ${source}
    WHERE o.ticker = i.ticker
      AND (i.underlying_ticker, i.shares_per_contract, i.exercise_style, i.primary_exchange) IS DISTINCT FROM (NULL, NULL, NULL, NULL)
      AND (COALESCE(i.underlying_ticker, o.underlying_ticker), COALESCE(i.shares_per_contract::integer, o.shares_per_contract),
           COALESCE(i.exercise_style::exercise_style, o.exercise_style), COALESCE(i.primary_exchange, o.primary_exchange))
          IS DISTINCT FROM (o.underlying_ticker, o.shares_per_contract, o.exercise_style, o.primary_exchange)
    RETURNING 1
  )
  SELECT count(*)::int AS enriched FROM enriched`;
}

/** One contract as text values in CONTRACT_COLUMNS order. */
export function contractValues(c: ContractRow): (string | null)[] {
  // Named, so that a column added to `options` does not compile until it is given a value.
  const values: Record<ContractColumn, string | null> = {
    ticker: c.ticker,
    underlying_ticker: c.underlyingTicker,
    root: c.root,
    contract_type: c.contractType,
    expiration_date: c.expirationDate,
    strike_price: c.strikePrice,
    shares_per_contract: c.sharesPerContract === null ? null : String(c.sharesPerContract),
    exercise_style: c.exerciseStyle,
    primary_exchange: c.primaryExchange,
    underlying_guess: c.underlyingGuess,
  };
  return CONTRACT_COLUMNS.map((column) => values[column]);
}

/** The contracts as parameters for CONTRACTS_FROM_PARAMETERS: one text array per column. */
export function contractParameters(contracts: readonly ContractRow[]): (string | null)[][] {
  const values = contracts.map(contractValues);
  return CONTRACT_COLUMNS.map((_, column) => values.map((row) => row[column]!));
}

/** Whether any contract carries more than its ticker says; if none does, there is nothing to enrich. */
export function anyContractKnowsMore(contracts: readonly ContractRow[]): boolean {
  return contracts.some(
    (c) => c.underlyingTicker !== null || c.sharesPerContract !== null || c.exerciseStyle !== null || c.primaryExchange !== null,
  );
}
