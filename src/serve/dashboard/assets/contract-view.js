// The contract view: a contract's newest snapshot, its history (each capture) and its day bars.
import { getJson } from './api.js';
import { drawDayBars, drawHistory } from './charts.js';
import { count, fillRows, fixed, nyTime, percent, price } from './format.js';

const $ = (id) => document.getElementById(id);
// Day bars of the last year; the history as far as the server gives it in one answer
// (oldest first: 50,000 captures are years of a poll every 5 minutes).
const BAR_DAYS = 366;
const HISTORY_LIMIT = 50_000;

/** `O:AAPL251121C00150000` → its underlying's root, expiration, type and strike as a title. */
function title(ticker) {
  const match = /^O:([A-Z0-9]+?)(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/.exec(ticker);
  if (match === null) return ticker;
  const [, root, yy, mm, dd, type, strike] = match;
  return `${root} 20${yy}-${mm}-${dd} ${Number(strike) / 1000} ${type === 'C' ? 'call' : 'put'} · ${ticker}`;
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export async function showContract(ticker) {
  $('contract-title').textContent = title(ticker);
  const history = await getJson(`/v1/contracts/${encodeURIComponent(ticker)}/history`, { limit: HISTORY_LIMIT });
  const rows = history.results;
  const newest = rows.at(-1);
  const facts =
    newest === undefined
      ? []
      : [
          ['captured', nyTime(newest.captured_at)],
          ['last', price(newest.last_price)],
          ['bid / ask', `${price(newest.bid)} / ${price(newest.ask)}`],
          ['IV', percent(newest.implied_volatility)],
          ['delta', fixed(newest.delta, 3)],
          ['gamma', fixed(newest.gamma, 4)],
          ['theta', fixed(newest.theta, 3)],
          ['vega', fixed(newest.vega, 3)],
          ['open interest', count(newest.open_interest)],
          ['volume', count(newest.volume)],
          ['underlying', price(newest.underlying_price)],
        ];
  $('contract-latest').replaceChildren(
    ...facts.flatMap(([term, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }),
  );
  drawHistory($('history-chart'), rows);

  // Day bars up to the newest capture's day (or today without one).
  const to = newest === undefined ? new Date() : new Date(newest.captured_at);
  const from = new Date(to.getTime() - BAR_DAYS * 86_400_000);
  const bars = await getJson(`/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/1/day/${isoDay(from)}/${isoDay(to)}`);
  const barRows = bars.results ?? [];
  drawDayBars($('bars-chart'), barRows);
  fillRows(
    document.querySelector('#bars-table tbody'),
    barRows
      .slice()
      .reverse()
      .map((bar) => [
        isoDay(new Date(bar.t + 12 * 3_600_000)),
        price(bar.o),
        price(bar.h),
        price(bar.l),
        price(bar.c),
        count(bar.v),
        count(bar.n),
      ]),
  );
  window.optdb.contract = { ticker, captures: rows.length, bars: barRows.length };
}
