/**
 * The load test's data: a chain of synthetic contracts on `OPTDB`, an underlying that
 * exists only for load tests (so its rows can be found and deleted without touching real
 * data), and Polygon snapshot results for them, priced by the sample generator.
 *
 * Every write is a new key — contract n mod the chain size, captured at a fixed instant
 * long before any real data plus n milliseconds — so every path does the same inserts.
 * Milliseconds, not microseconds: the Prisma paths carry captured_at as a JS Date, which
 * would fold microsecond neighbours into one key and turn inserts into updates.
 */
import { type ContractRow } from '../domain/contract.js';
import { fromPlainJson } from '../domain/plain-json.js';
import { type SnapshotOptions, validateSnapshot } from '../domain/snapshot.js';
import type { TableRow } from '../write/tables.js';
import { OptdbError } from '../errors.js';
import { chainContracts } from '../sample/chain.js';
import type { JsonOut } from '../sample/json-text.js';
import { Random } from '../sample/random.js';
import { snapshotResult } from '../sample/snapshot-result.js';
import { simulateDay } from '../sample/trading-day.js';
import { tradingSession } from '../sample/trading-session.js';
import type { Underlying } from '../sample/universe.js';

export const LOADTEST_UNDERLYING = 'OPTDB';

/** Exactly the tickers the load test lists (root OPTDB), for the cleanup statements. */
export const LOADTEST_TICKER_PATTERN = '^O:OPTDB[0-9]{6}[CP][0-9]{8}$';

/** captured_at is derived from the result's timestamps, kept to the millisecond. */
export const LOADTEST_SNAPSHOT_OPTIONS: SnapshotOptions = { capturedAtMicros: undefined, resolutionMicros: 1_000n };

const CHAIN_PAIRS = 100; // 200 contracts: a mid-sized chain
const CHAIN_DATE = '2025-11-20';
const SEED = 20251026; // fixed: every run writes the same rows
const BASE_CAPTURED_MS = Date.UTC(2000, 0, 3);

const UNDERLYING: Underlying = {
  ticker: LOADTEST_UNDERLYING,
  kind: 'stock',
  weeklyRoot: LOADTEST_UNDERLYING,
  monthlyRoot: LOADTEST_UNDERLYING,
  exerciseStyle: 'american',
  spot: 150,
  previousClose: 148.9,
  baseVol: 0.35,
  skew: 0.2,
  curvature: 0.4,
  weight: 3,
};

type Result = { readonly [key: string]: JsonOut | undefined };

export interface Workload {
  readonly contracts: readonly ContractRow[];
  /** The snapshot result of the n-th write of a run (a fresh object each call). */
  result(n: number): Result;
}

export function createWorkload(): Workload {
  const session = tradingSession(CHAIN_DATE);
  const random = new Random(SEED, 1);
  const templates = [...chainContracts(UNDERLYING, CHAIN_DATE, CHAIN_PAIRS)].map(
    (contract) => snapshotResult({ contract, day: simulateDay(contract, session, random) }) as Result,
  );
  const result = (n: number): Result => {
    const template = templates[n % templates.length]!;
    const capturedNs = BigInt(BASE_CAPTURED_MS + n) * 1_000_000n;
    // The newest of these three becomes captured_at: all three are the write's instant.
    const day = template.day as Result;
    const quote = template.last_quote as Result;
    const trade = template.last_trade as Result | undefined;
    return {
      ...template,
      day: { ...day, last_updated: capturedNs },
      last_quote: { ...quote, last_updated: capturedNs },
      last_trade: trade && { ...trade, sip_timestamp: capturedNs },
    };
  };
  const contracts = templates.map((_, n) => validRow(result(n)).contract);
  return { contracts, result };
}

/** The row and contract of a result: what every path writes. */
export function validRow(result: unknown): { row: TableRow; contract: ContractRow } {
  const validated = validateSnapshot(fromPlainJson(result), LOADTEST_SNAPSHOT_OPTIONS);
  if (!validated.ok) throw new OptdbError('ROW_REJECTED', `row rejected: ${validated.reason}`);
  return validated;
}
