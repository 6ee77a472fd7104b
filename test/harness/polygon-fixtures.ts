/**
 * Data for the test Polygon server (polygon-server.ts): chain snapshot results as the
 * API writes them — a real result from Polygon's documentation, and realistic ones from optdb's
 * sample generator, 19-digit nanosecond timestamps included — and contracts reference
 * records.
 */
import { chainContracts } from '../../src/sample/chain.js';
import { jsonText } from '../../src/sample/json-text.js';
import { Random } from '../../src/sample/random.js';
import { snapshotResult } from '../../src/sample/snapshot-result.js';
import { simulateDay } from '../../src/sample/trading-day.js';
import { tradingSession } from '../../src/sample/trading-session.js';
import { buildUniverse, type Underlying } from '../../src/sample/universe.js';

/** A real index-option snapshot result from Polygon's documentation, verbatim: the fixture every format test starts from. */
export const DOCUMENTED_RESULT =
  '{"day":{"change":0.35,"change_percent":25.926,"close":1.7,"high":3.5,"last_updated":1689120000000000000,"low":1.35,"open":3.3,"previous_close":1.35,"volume":41840,"vwap":2.5245},"details":{"contract_type":"call","exercise_style":"european","expiration_date":"2023-07-12","shares_per_contract":100,"strike_price":4500,"ticker":"O:SPXW230712C04500000"},"greeks":{"delta":0.1747,"gamma":0.0152,"theta":-5.994,"vega":0.3859},"implied_volatility":0.1186,"last_quote":{"ask":1.65,"ask_size":37,"bid":1.6,"bid_size":123,"last_updated":1689174023516476700,"midpoint":1.625,"timeframe":"REAL-TIME"},"last_trade":{"sip_timestamp":1689174023261703200,"conditions":[209],"price":1.65,"size":1,"exchange":302,"timeframe":"REAL-TIME"},"open_interest":4501,"underlying_asset":{"last_updated":1680814651655000000,"value":4483.78,"ticker":"I:SPX","timeframe":"REAL-TIME"}}';

/** A contracts reference record (GET /v3/reference/options/contracts), fields as the API documents them. */
export interface ReferenceContract {
  readonly ticker: string;
  readonly underlying_ticker: string;
  readonly contract_type: 'call' | 'put';
  readonly exercise_style: 'american' | 'european';
  readonly expiration_date: string;
  readonly strike_price: number;
  readonly shares_per_contract: number;
  readonly primary_exchange: string;
  readonly cfi: string;
}

export const SAMPLE_DATE = '2025-11-21';
const SEED = 7;

/** `count` chain results of `underlying` (AAPL, SPY, I:SPX, …) on `date`, as JSON text, nearest expiry first. */
export function sampleChain(underlying: string, count: number, date = SAMPLE_DATE): string[] {
  const session = tradingSession(date);
  const random = new Random(SEED, 1);
  return [...sampleListing(underlying, count, date)].map((contract) =>
    jsonText(snapshotResult({ contract, day: simulateDay(contract, session, random) })),
  );
}

/** `count` listed contracts of `underlying` on `date` as reference records. */
export function referenceContracts(underlying: string, count: number, date = SAMPLE_DATE): ReferenceContract[] {
  return [...sampleListing(underlying, count, date)].map((contract) => ({
    ticker: contract.ticker,
    underlying_ticker: contract.underlying.ticker,
    contract_type: contract.contractType,
    exercise_style: contract.underlying.exerciseStyle,
    expiration_date: contract.expirationDate,
    strike_price: contract.strike,
    shares_per_contract: 100,
    primary_exchange: 'BATO',
    cfi: `O${contract.contractType === 'call' ? 'C' : 'P'}${contract.underlying.exerciseStyle === 'american' ? 'A' : 'E'}SPS`,
  }));
}

function* sampleListing(ticker: string, count: number, date: string) {
  const underlying = findUnderlying(ticker);
  let left = count;
  for (const contract of chainContracts(underlying, date, Math.ceil(count / 2))) {
    if (left-- <= 0) return;
    yield contract;
  }
}

function findUnderlying(ticker: string): Underlying {
  const found = buildUniverse(24, new Random(SEED, 0)).find((underlying) => underlying.ticker === ticker);
  if (!found) throw new Error(`no sample underlying ${ticker}`);
  return found;
}
