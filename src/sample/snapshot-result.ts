/**
 * One contract as a result of Polygon's option chain snapshot
 * (GET /v3/snapshot/options/{underlying}), field for field as the API documents them.
 * Keys are in alphabetical order, as the API writes them.
 */
import type { JsonOut } from './json-text.js';
import { dollars, roundTo, significant } from './price-ticks.js';
import type { SampleContract } from './sample-contracts.js';
import { sessionTimeNs } from './trading-session.js';

const TIMEFRAME = 'REAL-TIME';

export function snapshotResult({ contract, day }: SampleContract): JsonOut {
  const { underlying, value } = contract;
  const { quote, bar, trade } = day;
  const midpoint = (quote.bidCents + quote.askCents) / 200;
  const breakEven = roundTo(contract.contractType === 'call' ? contract.strike + midpoint : contract.strike - midpoint, 3);
  const underlyingLevel = underlying.spot;
  return {
    break_even_price: breakEven,
    day: bar
      ? {
          change: dollars(bar.closeCents - day.previousCloseCents),
          change_percent: roundTo(((bar.closeCents - day.previousCloseCents) / day.previousCloseCents) * 100, 3),
          close: dollars(bar.closeCents),
          high: dollars(bar.highCents),
          last_updated: day.session.midnightNs,
          low: dollars(bar.lowCents),
          open: dollars(bar.openCents),
          previous_close: dollars(day.previousCloseCents),
          volume: day.volume,
          vwap: bar.vwap,
        }
      : // Not traded today: no bar, so no OHLC fields (the real API leaves them out or zero).
        { last_updated: day.session.midnightNs, previous_close: dollars(day.previousCloseCents), volume: 0 },
    details: {
      contract_type: contract.contractType,
      exercise_style: underlying.exerciseStyle,
      expiration_date: contract.expirationDate,
      shares_per_contract: 100,
      strike_price: contract.strike,
      ticker: contract.ticker,
    },
    greeks: day.greeksShown
      ? {
          delta: significant(value.delta),
          gamma: significant(value.gamma),
          theta: significant(value.theta),
          vega: significant(value.vega),
        }
      : undefined,
    implied_volatility: day.greeksShown ? significant(contract.impliedVol) : undefined,
    last_quote: {
      ask: dollars(quote.askCents),
      ask_size: quote.askSize,
      bid: dollars(quote.bidCents),
      bid_size: quote.bidSize,
      last_updated: quote.timeNs,
      midpoint,
      timeframe: TIMEFRAME,
    },
    last_trade: trade && {
      conditions: trade.conditions,
      exchange: trade.exchange,
      price: dollars(trade.priceCents),
      sip_timestamp: trade.timeNs,
      size: trade.size,
      timeframe: TIMEFRAME,
    },
    open_interest: day.openInterest,
    underlying_asset: {
      change_to_break_even: roundTo(breakEven - underlyingLevel, 4),
      last_updated: sessionTimeNs(day.session, 1), // the closing level: the session's last instant
      price: underlying.kind === 'stock' ? underlyingLevel : undefined,
      ticker: underlying.ticker,
      timeframe: TIMEFRAME,
      value: underlying.kind === 'index' ? underlyingLevel : undefined,
    },
  };
}
