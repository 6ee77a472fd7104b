/**
 * Fills and refreshes `options` from the contracts reference: every listed contract of
 * each underlying — and with `expired`, the expired ones too (`expired=false`, then
 * `expired=true`: the API lists one or the other).
 *
 * Each page is written whole, in one transaction of the two contract statements every
 * write path uses (write/sql/contracts.ts): new contracts inserted, known ones enriched only
 * where that changes something. So a null never overwrites a known value, a contract
 * first seen in a snapshot (its underlying guessed from the root) gets the reference's
 * underlying, and an unchanged contract gets no new row version. A transient database
 * error retries the page's transaction (SQLSTATE policy table).
 */
import type pg from 'pg';
import PQueue from 'p-queue';
import { failsEveryRequest } from '../api/api-errors.js';
import { countersSince } from '../api/api-events.js';
import type { PolygonClientOptions } from '../api/client-options.js';
import { PolygonApiError, PolygonClient } from '../api/polygon-client.js';
import type { Config } from '../config.js';
import { type DatabaseHooks, withDatabase } from '../db/database.js';
import { createPool, withPooledClient } from '../db/pool.js';
import { retryTransient } from '../db/retry.js';
import { requireMigratedSchema } from '../db/schema-check.js';
import { type ContractRow, ContractSet } from '../domain/contract.js';
import { type RetryLimits, retryLimitsFrom } from '../retry-limits.js';
import { CONTRACTS_FROM_PARAMETERS, contractParameters, enrichKnownContracts, insertNewContracts } from '../write/sql/contracts.js';
import { StopSignal } from '../stop-signal.js';
import { contractFromReference } from './reference-contract.js';
import { inTransaction } from '../db/transaction.js';

const INSERT_NEW_CONTRACTS = insertNewContracts(CONTRACTS_FROM_PARAMETERS);
const ENRICH_KNOWN_CONTRACTS = enrichKnownContracts(CONTRACTS_FROM_PARAMETERS);

export interface SyncOptions extends DatabaseHooks {
  /** Whose contracts to list, checked and without duplicates: what resolveUnderlyings gives for a list and/or a watchlist file. */
  readonly underlyings: readonly string[];
  /** The API client's settings (key, base URL, rate, timeouts); its `onEvent` sees every request, retry and 429. */
  readonly api?: PolygonClientOptions | undefined;
  /** Also list the expired contracts. */
  readonly expired?: boolean;
  /** The day the listing is read for (YYYY-MM-DD; the API's default is today). */
  readonly asOf?: string | undefined;
  /** Underlyings listed at once (default 4). */
  readonly underlyingConcurrency?: number;
  readonly onReject?: (reject: RejectedContract) => void;
  readonly onFailed?: (failure: { readonly underlying: string; readonly reason: string }) => void;
  /** Ctrl-C: no further page is fetched; the pages fetched are written. */
  readonly signal?: AbortSignal;
}

export interface RejectedContract {
  readonly underlying: string;
  readonly ticker: string | undefined;
  readonly reason: string;
}

export interface SyncSummary {
  readonly underlyings: number;
  readonly failed: { readonly underlying: string; readonly reason: string }[];
  readonly pages: number;
  /** Results read from the reference. */
  readonly listed: number;
  readonly created: number;
  /** Known contracts the reference told something new (underlying, style, shares, exchange). */
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly requests: number;
  readonly throttled: number;
  readonly retries: number;
  readonly durationMs: number;
  /** Stopped by the signal: the underlyings not listed are not counted as failed. */
  readonly interrupted: boolean;
}

/**
 * Lists the contracts of the underlyings and writes them into the configured database,
 * opening it (the embedded server when there is no DATABASE_URL) and one pool, and
 * closing them however the sync ends.
 */
export async function syncContracts(config: Config, options: SyncOptions): Promise<SyncSummary> {
  const { underlyings } = options;
  // Made before the database is opened: a missing key fails at once, with its remedy.
  const client = new PolygonClient(options.api);
  try {
    return await withDatabase(
      config,
      async (database) => {
        await requireMigratedSchema(database.directUrl);
        const pool = createPool(database.url, config);
        let closing: Promise<void> | undefined;
        const close = () => (closing ??= pool.end());
        const unregister = options.registerCleanup?.(close);
        try {
          await options.onDatabase?.(database);
          return await syncWith(client, pool, underlyings, retryLimitsFrom(config), options);
        } finally {
          unregister?.();
          await close();
        }
      },
      options,
    );
  } finally {
    client.close();
  }
}

async function syncWith(
  client: PolygonClient,
  pool: pg.Pool,
  underlyings: readonly string[],
  retry: RetryLimits,
  options: SyncOptions,
): Promise<SyncSummary> {
  const started = performance.now();
  const before = client.counters;
  // Aborted on Ctrl-C, and by the sync itself when it must stop (bad key, database failure).
  const stop = new StopSignal(options.signal);
  const { signal } = stop;
  const counts = { pages: 0, listed: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };
  const failed: SyncSummary['failed'] = [];
  let fatal: unknown;
  const listings = options.expired ? [false, true] : [false];

  const syncUnderlying = async (underlying: string) => {
    try {
      for (const expired of listings) {
        const query = { underlying_ticker: underlying, expired, as_of: options.asOf };
        for await (const page of client.contracts(query, { signal })) {
          const pageContracts = new ContractSet();
          for (const result of page.results) {
            const read = contractFromReference(result);
            if (!read.ok) {
              counts.rejected++;
              options.onReject?.({ underlying, ticker: read.ticker, reason: read.reason });
              continue;
            }
            pageContracts.add(read.contract);
          }
          const contracts = pageContracts.sorted();
          const written = contracts.length === 0 ? { created: 0, updated: 0 } : await writePage(pool, contracts, retry);
          counts.pages++;
          counts.listed += page.results.length;
          counts.created += written.created;
          counts.updated += written.updated;
          counts.unchanged += contracts.length - written.created - written.updated;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      // Another underlying fares no better with a refused key or plan, nor with a failing database.
      if (!(error instanceof PolygonApiError) || failsEveryRequest(error)) {
        fatal = error;
        stop.stop(new Error('contracts sync stopped'));
        return;
      }
      const failure = { underlying, reason: error.message };
      failed.push(failure);
      options.onFailed?.(failure);
    }
  };

  const queue = new PQueue({ concurrency: options.underlyingConcurrency ?? 4 });
  const listUnless = (underlying: string) => async () => {
    if (!signal.aborted) await syncUnderlying(underlying);
  };
  try {
    await Promise.all(underlyings.map((underlying) => queue.add(listUnless(underlying))));
  } finally {
    stop.release();
  }
  if (fatal !== undefined) throw fatal;
  return {
    underlyings: underlyings.length,
    failed,
    ...counts,
    ...countersSince(before, client.counters),
    durationMs: Math.round(performance.now() - started),
    interrupted: options.signal?.aborted ?? false,
  };
}

/** One page's contracts (distinct, in ticker order) in one transaction: insert the new, enrich the known. */
async function writePage(
  pool: pg.Pool,
  contracts: readonly ContractRow[],
  retry: RetryLimits,
): Promise<{ created: number; updated: number }> {
  const parameters = contractParameters(contracts);
  return retryTransient(
    () =>
      withPooledClient(pool, (connection) =>
        inTransaction(connection, async () => {
          const created = await connection.query<{ created: number }>(INSERT_NEW_CONTRACTS, parameters);
          const enriched = await connection.query<{ enriched: number }>(ENRICH_KNOWN_CONTRACTS, parameters);
          return { created: created.rows[0]!.created, updated: enriched.rows[0]!.enriched };
        }),
      ),
    retry,
  );
}
