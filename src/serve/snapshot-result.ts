/**
 * A stored snapshot and its contract → one result of Polygon's option snapshot, the
 * inverse of how optdb stores one (domain/snapshot.ts): the same field names and units,
 * numbers with their stored digits, times in Unix nanoseconds.
 *
 * What optdb does not store is left out: `day.last_updated` is the capture time (the
 * instant the row stands for), `last_quote.midpoint` is computed from bid and ask, and
 * `timeframe`, `last_trade.conditions`, `underlying_asset.last_updated`,
 * `change_to_break_even` and `fmv` are absent.
 */
import type { ContractRow } from './contract-result.js';
import { double, type JsonOut, number, present } from './json-body.js';

export interface SnapshotRow extends ContractRow {
  readonly captured_at: string;
  readonly day_open: string | null;
  readonly day_high: string | null;
  readonly day_low: string | null;
  readonly day_close: string | null;
  readonly day_volume: string | null;
  readonly day_vwap: string | null;
  readonly day_change: string | null;
  readonly day_change_percent: string | null;
  readonly previous_close: string | null;
  readonly open_interest: string | null;
  readonly implied_volatility: string | null;
  readonly delta: string | null;
  readonly gamma: string | null;
  readonly theta: string | null;
  readonly vega: string | null;
  readonly bid: string | null;
  readonly bid_size: string | null;
  readonly ask: string | null;
  readonly ask_size: string | null;
  readonly midpoint: string | null;
  readonly quote_at: string | null;
  readonly last_price: string | null;
  readonly last_size: string | null;
  readonly last_exchange: string | null;
  readonly last_trade_at: string | null;
  readonly underlying_price: string | null;
  readonly break_even_price: string | null;
}

export function snapshotResult(row: SnapshotRow): Record<string, JsonOut> {
  // Polygon gives an index's level as `value`, a stock's price as `price`.
  const isIndex = row.underlying_ticker.startsWith('I:');
  const result = {
    break_even_price: number(row.break_even_price),
    day: present({
      change: number(row.day_change),
      change_percent: number(row.day_change_percent),
      close: number(row.day_close),
      high: number(row.day_high),
      last_updated: number(row.captured_at),
      low: number(row.day_low),
      open: number(row.day_open),
      previous_close: number(row.previous_close),
      volume: number(row.day_volume),
      vwap: number(row.day_vwap),
    }),
    details: present({
      contract_type: row.contract_type,
      exercise_style: row.exercise_style ?? undefined,
      expiration_date: row.expiration_date,
      shares_per_contract: number(row.shares_per_contract),
      strike_price: number(row.strike_price),
      ticker: row.ticker,
    }),
    greeks: present({ delta: double(row.delta), gamma: double(row.gamma), theta: double(row.theta), vega: double(row.vega) }),
    implied_volatility: double(row.implied_volatility),
    last_quote: present({
      ask: number(row.ask),
      ask_size: number(row.ask_size),
      bid: number(row.bid),
      bid_size: number(row.bid_size),
      last_updated: number(row.quote_at),
      midpoint: number(row.midpoint),
    }),
    last_trade: present({
      exchange: number(row.last_exchange),
      price: number(row.last_price),
      sip_timestamp: number(row.last_trade_at),
      size: number(row.last_size),
    }),
    open_interest: number(row.open_interest),
    underlying_asset: present({
      [isIndex ? 'value' : 'price']: number(row.underlying_price),
      ticker: row.underlying_ticker,
    }),
  };
  return present(result)!;
}
