/**
 * The contracts a batch references, written before its rows (by direct key, no relation
 * lookups), in two statements of the batch's transaction:
 *  1. new contracts are inserted — with the guessed underlying when no source named it;
 *  2. known contracts are enriched with what this source knows, only where that changes
 *     something: a null never overwrites a known value, and an unchanged contract gets
 *     no new row version.
 * Parameters are parallel text arrays (one per column), so each statement is one flat
 * INSERT/UPDATE whatever the batch size.
 */
import type { ContractRow } from '../domain/contract.js';

const INPUT = `
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
    AS i(ticker, root, contract_type, expiration_date, strike_price, underlying_ticker, underlying_guess, shares_per_contract, exercise_style, primary_exchange)`;

export const INSERT_NEW_CONTRACTS = `
  WITH input AS (${INPUT}),
  created AS (
    INSERT INTO options (ticker, underlying_ticker, root, contract_type, expiration_date, strike_price,
                         shares_per_contract, exercise_style, primary_exchange)
    SELECT ticker, COALESCE(underlying_ticker, underlying_guess), root, contract_type::contract_type,
           expiration_date::date, strike_price::numeric, shares_per_contract::integer,
           exercise_style::exercise_style, primary_exchange
    FROM input ORDER BY ticker
    ON CONFLICT (ticker) DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::int AS created FROM created`;

export const ENRICH_KNOWN_CONTRACTS = `
  WITH input AS (${INPUT}),
  enriched AS (
    UPDATE options o SET
      underlying_ticker   = COALESCE(i.underlying_ticker, o.underlying_ticker),
      shares_per_contract = COALESCE(i.shares_per_contract::integer, o.shares_per_contract),
      exercise_style      = COALESCE(i.exercise_style::exercise_style, o.exercise_style),
      primary_exchange    = COALESCE(i.primary_exchange, o.primary_exchange),
      updated_at          = now()
    FROM input i
    WHERE o.ticker = i.ticker
      AND (i.underlying_ticker, i.shares_per_contract, i.exercise_style, i.primary_exchange) IS DISTINCT FROM (NULL, NULL, NULL, NULL)
      AND (COALESCE(i.underlying_ticker, o.underlying_ticker), COALESCE(i.shares_per_contract::integer, o.shares_per_contract),
           COALESCE(i.exercise_style::exercise_style, o.exercise_style), COALESCE(i.primary_exchange, o.primary_exchange))
          IS DISTINCT FROM (o.underlying_ticker, o.shares_per_contract, o.exercise_style, o.primary_exchange)
    RETURNING 1
  )
  SELECT count(*)::int AS enriched FROM enriched`;

/** The statements' parameters: one text array per column, in INPUT's order. */
export function contractParameters(contracts: readonly ContractRow[]): (string | null)[][] {
  const text = (value: string | number | null) => (value === null ? null : String(value));
  return [
    contracts.map((c) => c.ticker),
    contracts.map((c) => c.root),
    contracts.map((c) => c.contractType),
    contracts.map((c) => c.expirationDate),
    contracts.map((c) => c.strikePrice),
    contracts.map((c) => c.underlyingTicker),
    contracts.map((c) => c.underlyingGuess),
    contracts.map((c) => text(c.sharesPerContract)),
    contracts.map((c) => c.exerciseStyle),
    contracts.map((c) => c.primaryExchange),
  ];
}
