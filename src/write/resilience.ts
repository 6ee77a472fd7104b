/**
 * Writes a batch whatever the database answers, as the SQLSTATE policy table
 * (db/error-policy.ts) says:
 *  - transient errors (deadlock, serialization, lost connection, restart…) → retried with
 *    exponential backoff and jitter, bounded in attempts and in total time;
 *  - a statement timeout (57014) → the batch is split in halves, which are retried;
 *  - a planner error (XX000) → retried once (the failed connection is discarded), then
 *    the batch falls back to the next simpler strategy: copy → unnest → per-row; on the
 *    simplest one it is retried like a transient error (XX000 comes and goes with
 *    concurrency, and there is no simpler way left to write the batch);
 *  - a data error (classes 22, 23, 21000) → the batch is split until the offending rows
 *    are alone; they are reported as refused, every other row is committed;
 *  - schema, configuration and corruption errors → stop, with the policy's remedy.
 * A batch written whole records its ledger entry in its own transaction; one written in
 * parts records it after the last part (rewriting a part after a crash is harmless:
 * upserts of identical rows change nothing), without the records of the rows the
 * database refused: those were never committed, and a rerun must meet them again.
 */
import pRetry, { AbortError } from 'p-retry';
import { anotherAttemptFollows, pRetryOptions, type RetryLimits } from '../retry-limits.js';
import { classifyError, type ClassifiedError, remedyAfterRetries } from '../db/error-policy.js';
import { OptdbError } from '../errors.js';
import type { LedgerEntry } from './ledger.js';
import { type Batch, splitBatch } from './batch.js';
import { addCounts, emptyCounts, type WriteCounts, type WriteStrategy } from './strategy.js';
import type { TableRow } from './tables.js';

export interface RefusedRow {
  readonly source: string | undefined;
  readonly row: TableRow;
  readonly location: number;
  readonly code: string;
  readonly message: string;
}

export type ResilienceEvent =
  | { kind: 'retry'; code: string; attempt: number; rows: number }
  | { kind: 'split'; code: string; rows: number }
  | { kind: 'fallback'; code: string; from: string; to: string; rows: number };

export interface ResilienceOptions {
  readonly retry: RetryLimits;
  /** The strategy, then the simpler ones, in order, for a batch that keeps hitting a planner error. */
  readonly strategies: readonly [WriteStrategy, ...WriteStrategy[]];
  readonly onRowRefused: (refused: RefusedRow) => Promise<void> | void;
  readonly recordLedger: (entry: LedgerEntry) => Promise<void>;
  /** The server is overloaded (53300, pool acquire timeout): write less at once. */
  readonly onOverload?: () => void;
  readonly onEvent?: (event: ResilienceEvent) => void;
}

export interface ResilientCounts extends WriteCounts {
  /** Rows the database refused (data errors), reported through onRowRefused. */
  refused: number;
}

/** Why a batch leaves the retry loop to be written another way. */
class Redirect extends Error {
  constructor(
    readonly how: 'split' | 'isolate' | 'fallback',
    readonly classified: ClassifiedError,
  ) {
    super(`${how}: ${classified.code}`);
  }
}

/** Writes one batch as the SQLSTATE policy table says (see above). */
export function writeResiliently(batch: Batch, options: ResilienceOptions): Promise<ResilientCounts> {
  return new ResilientWrite(options).write(batch);
}

class ResilientWrite {
  private readonly strategies: readonly WriteStrategy[];

  constructor(private readonly options: ResilienceOptions) {
    this.strategies = options.strategies;
  }

  async write(batch: Batch): Promise<ResilientCounts> {
    const refusedRecords: number[] = [];
    const { counts, whole } = await this.writeFrom(batch, 0, refusedRecords);
    if (!whole && batch.ledger)
      for (const entry of ledgerWithout(batch.ledger, batch, refusedRecords)) await this.options.recordLedger(entry);
    return counts;
  }

  /** `whole`: the batch went in as one transaction (its ledger entry with it). `refusedRecords` gets the records of refused rows. */
  private async writeFrom(
    batch: Batch,
    strategyIndex: number,
    refusedRecords: number[],
  ): Promise<{ counts: ResilientCounts; whole: boolean }> {
    const strategy = this.strategies[strategyIndex]!;
    const canFallBack = strategyIndex + 1 < this.strategies.length;
    const firstAttempt = Date.now();
    let plannerErrors = 0;
    // Counted here: the time limit can end the retries before their number does.
    let attempts = 0;
    try {
      const counts = await pRetry(
        async () => {
          attempts++;
          try {
            return await strategy.write(batch);
          } catch (error) {
            const classified = classifyError(error);
            const policy = classified.policy;
            switch (policy.action) {
              case 'split-then-retry':
                if (batch.rows.length > 1) throw new AbortError(new Redirect('split', classified));
                throw error instanceof Error ? error : new Error(classified.message);
              case 'retry':
                if (policy.lowerConcurrency) this.options.onOverload?.();
                throw error instanceof Error ? error : new Error(classified.message);
              case 'retry-fresh-connection-then-fallback':
                if (++plannerErrors === 1 || !canFallBack) throw error instanceof Error ? error : new Error(classified.message);
                throw new AbortError(new Redirect('fallback', classified));
              case 'isolate-rows':
                throw new AbortError(new Redirect('isolate', classified));
              default:
                throw new AbortError(failure(batch, classified, 1));
            }
          }
        },
        {
          ...pRetryOptions(this.options.retry),
          onFailedAttempt: (attempt) => {
            if (anotherAttemptFollows(attempt, this.options.retry, firstAttempt))
              this.options.onEvent?.({
                kind: 'retry',
                code: classifyError(attempt).code,
                attempt: attempt.attemptNumber,
                rows: batch.rows.length,
              });
          },
        },
      );
      return { counts: { ...counts, refused: 0 }, whole: true };
    } catch (error) {
      if (!(error instanceof Redirect)) {
        if (error instanceof OptdbError) throw error;
        throw failure(batch, classifyError(error), attempts);
      }
      return this.redirect(batch, strategyIndex, error, refusedRecords);
    }
  }

  private async redirect(
    batch: Batch,
    strategyIndex: number,
    redirect: Redirect,
    refusedRecords: number[],
  ): Promise<{ counts: ResilientCounts; whole: boolean }> {
    const { code, message } = redirect.classified;
    if (redirect.how === 'fallback') {
      const next = this.strategies[strategyIndex + 1]!;
      this.options.onEvent?.({
        kind: 'fallback',
        code,
        from: this.strategies[strategyIndex]!.name,
        to: next.name,
        rows: batch.rows.length,
      });
      return this.writeFrom(batch, strategyIndex + 1, refusedRecords);
    }
    if (redirect.how === 'isolate' && batch.rows.length === 1) {
      await this.options.onRowRefused({ source: batch.source, row: batch.rows[0]!, location: batch.locations[0]!, code, message });
      refusedRecords.push(batch.records[0]!);
      return { counts: { ...emptyCounts(), refused: 1 }, whole: false };
    }
    if (batch.rows.length === 1) throw failure(batch, redirect.classified, 1);
    this.options.onEvent?.({ kind: 'split', code, rows: batch.rows.length });
    const total: ResilientCounts = { ...emptyCounts(), refused: 0 };
    for (const half of splitBatch(batch)) {
      const { counts } = await this.writeFrom(half, strategyIndex, refusedRecords);
      addCounts(total, counts);
      total.refused += counts.refused;
    }
    return { counts: total, whole: false };
  }
}

/**
 * The batch's ledger entry with the refused records cut out: the ranges between them
 * that hold rows of the batch, each with the number of those rows.
 */
function ledgerWithout(entry: LedgerEntry, batch: Batch, refused: readonly number[]): LedgerEntry[] {
  if (refused.length === 0) return [entry];
  const cuts = [...refused].sort((a, b) => a - b);
  const entries: LedgerEntry[] = [];
  let first = entry.firstRecord;
  for (const cut of [...cuts, entry.lastRecord + 1]) {
    const last = cut - 1;
    const rows = batch.records.filter((record) => record >= first && record <= last).length;
    if (last >= first && rows > 0) entries.push({ ...entry, firstRecord: first, lastRecord: last, rows });
    first = cut + 1;
  }
  return entries;
}

function failure(batch: Batch, classified: ClassifiedError, attempts: number): OptdbError {
  const where = batch.source ? ` from ${batch.source}` : '';
  return new OptdbError(
    'WRITE_FAILED',
    `A batch of ${batch.rows.length} rows${where} could not be written after ${attempts} attempt(s): ${classified.code} ${classified.message}`,
    { remedy: remedyAfterRetries(classified.policy), cause: classified.cause },
  );
}
