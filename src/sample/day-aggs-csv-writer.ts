/**
 * `day-aggs-csv`: Polygon's `us_options_opra/day_aggs_v1` flat file — one row per contract
 * that traded, `window_start` the day's midnight in New York as Unix nanoseconds, prices
 * as plain decimals.
 */
import type { OutputSink } from './output-sink.js';
import { dollars } from './price-ticks.js';
import type { SampleContract } from './sample-contracts.js';

export const DAY_AGGS_HEADER = 'ticker,volume,open,close,high,low,window_start,transactions';

export async function writeDayAggsCsv(contracts: Iterable<SampleContract>, sink: OutputSink): Promise<number> {
  let rows = 0;
  await sink.write(`${DAY_AGGS_HEADER}\n`);
  for (const { contract, day } of contracts) {
    const bar = day.bar;
    if (!bar) continue; // flat files list only contracts that traded
    const prices = `${dollars(bar.openCents)},${dollars(bar.closeCents)},${dollars(bar.highCents)},${dollars(bar.lowCents)}`;
    const wait = sink.write(`${contract.ticker},${day.volume},${prices},${day.session.midnightNs},${day.transactions}\n`);
    if (wait) await wait;
    rows++;
  }
  return rows;
}
