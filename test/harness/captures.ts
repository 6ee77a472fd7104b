/**
 * Chains built by hand for the analytics tests, whose answers are worked out in the test
 * itself: snapshot results with only the fields a test sets (numbers as raw JSON text, so
 * stored digits such as 1.650 can be checked), ingested as one capture at a given time.
 */
import { type Config, ingestFiles } from '../../src/index.js';
import { formatTicker } from '../../src/domain/ticker.js';
import { isoToMicros } from '../../src/domain/timestamp.js';
import type { TempDirectory } from './temp-dir.js';

/** The Polygon ticker of a contract, e.g. contract('XYZ', '2025-12-19', 'call', 100) → O:XYZ251219C00100000. */
export function contract(root: string, expiration: string, type: 'call' | 'put', strike: number): string {
  return formatTicker({ root, expirationDate: expiration, contractType: type, strikeThousandths: Math.round(strike * 1000) });
}

export interface HandSnapshot {
  readonly ticker: string;
  readonly underlying: string;
  /** Numbers as the JSON text to send. */
  readonly underlyingPrice?: string;
  readonly openInterest?: number;
  readonly volume?: number;
  readonly impliedVolatility?: string;
  readonly delta?: string;
  readonly gamma?: string;
  readonly theta?: string;
  readonly vega?: string;
  readonly bid?: string;
  readonly ask?: string;
  readonly lastPrice?: string;
}

export function handResult(s: HandSnapshot): string {
  const fields = [`"details":{"ticker":"${s.ticker}"}`];
  if (s.volume !== undefined) fields.push(`"day":{"volume":${s.volume}}`);
  if (s.openInterest !== undefined) fields.push(`"open_interest":${s.openInterest}`);
  if (s.impliedVolatility !== undefined) fields.push(`"implied_volatility":${s.impliedVolatility}`);
  const greeks = (['delta', 'gamma', 'theta', 'vega'] as const)
    .filter((name) => s[name] !== undefined)
    .map((name) => `"${name}":${s[name]}`);
  if (greeks.length > 0) fields.push(`"greeks":{${greeks.join(',')}}`);
  const quote = [s.bid === undefined ? '' : `"bid":${s.bid}`, s.ask === undefined ? '' : `"ask":${s.ask}`].filter(Boolean);
  if (quote.length > 0) fields.push(`"last_quote":{${quote.join(',')}}`);
  if (s.lastPrice !== undefined) fields.push(`"last_trade":{"price":${s.lastPrice}}`);
  fields.push(`"underlying_asset":{"ticker":"${s.underlying}"${s.underlyingPrice === undefined ? '' : `,"price":${s.underlyingPrice}`}}`);
  return `{${fields.join(',')}}`;
}

/** Ingests `results` (JSON texts) as one capture at `at` (RFC 3339, microseconds kept); fails if any is rejected. */
export async function ingestCapture(
  config: Config,
  dir: TempDirectory,
  name: string,
  results: readonly string[],
  at: string,
): Promise<void> {
  const file = await dir.write(`${name}.json`, `{"status":"OK","request_id":"r","results":[${results.join(',')}]}`);
  const summary = await ingestFiles(config, [file], { capturedAtMicros: isoToMicros(at)! });
  if (summary.rejected > 0 || summary.valid !== results.length) {
    throw new Error(`${name}: ${summary.rejected} of ${results.length} results rejected`);
  }
}
