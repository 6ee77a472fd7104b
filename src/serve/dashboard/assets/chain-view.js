// The chain view: one expiration's calls | strike | puts around the underlying's price,
// and the smile, term-structure and open-interest charts of the same underlying and time.
import { getJson } from './api.js';
import { drawOpenInterest, drawSmile, drawTermStructure } from './charts.js';
import { count, fillRows, fixed, nyTime, percent, price } from './format.js';

const $ = (id) => document.getElementById(id);

// The columns of one side, as in the table's header; `minor` ones give way on a phone.
function sideCells(side) {
  return [
    [price(side?.last_price), ''],
    [price(side?.bid), ''],
    [price(side?.ask), ''],
    [percent(side?.implied_volatility), 'minor'],
    [fixed(side?.delta, 3), 'minor'],
    [count(side?.volume), 'minor'],
    [count(side?.open_interest), 'oi'],
  ];
}

/**
 * Shows the chain of `state.underlying` as of `state.asOf` (undefined: the newest), for
 * `state.expiration` (undefined: the soonest); returns the expiration shown.
 */
export async function showChain(state) {
  const path = `/v1/underlyings/${encodeURIComponent(state.underlying)}`;
  const asOf = state.asOf;
  const chain = await getJson(`${path}/chain`, { as_of: asOf, expiration_date: state.expiration, strikes: state.strikes });
  const expiration = chain.expiration_date;
  fillExpirations(chain.expirations, expiration);
  $('spot').textContent = chain.underlying_price === undefined ? '' : `${state.underlying} ${chain.underlying_price}`;
  $('chain-caption').textContent =
    chain.captured_at === undefined ? 'nothing stored' : `${expiration} · as of ${nyTime(chain.captured_at)}`;
  fillChainTable(chain);
  window.optdb.chain = {
    underlying: state.underlying,
    captured_at: chain.captured_at,
    expiration_date: expiration,
    underlying_price: chain.underlying_price,
    strikes_per_side: Number(state.strikes),
    strikes: chain.results.map((row) => row.strike_price),
  };

  const [smile, term, oi] = await Promise.all([
    expiration === undefined ? { results: [] } : getJson(`${path}/smile`, { expiration_date: expiration, as_of: asOf }),
    getJson(`${path}/term-structure`, { as_of: asOf }),
    expiration === undefined ? { results: [] } : getJson(`${path}/open-interest`, { expiration_date: expiration, as_of: asOf }),
  ]);
  $('smile-caption').textContent = expiration ?? '';
  $('oi-caption').textContent = oi.max_pain === undefined ? (expiration ?? '') : `${expiration} · max pain ${oi.max_pain}`;
  drawSmile($('smile-chart'), smile.results);
  drawTermStructure($('term-chart'), term.results);
  drawOpenInterest($('oi-chart'), oi);
  return expiration;
}

function fillExpirations(expirations, chosen) {
  const select = $('expiration');
  select.replaceChildren(
    ...expirations.map((day) => {
      const option = new Option(day, day);
      option.selected = day === chosen;
      return option;
    }),
  );
}

function fillChainTable(chain) {
  const tbody = document.querySelector('#chain-table tbody');
  const price = chain.underlying_price;
  fillRows(
    tbody,
    chain.results.map((row) => [...sideCells(row.call), [String(row.strike_price), 'strike'], ...sideCells(row.put)]),
  );
  chain.results.forEach((row, i) => {
    const tr = tbody.children[i];
    tr.dataset.strike = String(row.strike_price);
    if (row.call) tr.dataset.call = row.call.ticker;
    if (row.put) tr.dataset.put = row.put.ticker;
    // In the money: calls below the price, puts above it.
    if (price !== undefined) tr.classList.add(row.strike_price < price ? 'call-itm' : 'put-itm');
  });
}

/** A click on a side of a row opens that contract. */
export function onContractClick(open) {
  document.querySelector('#chain-table tbody').addEventListener('click', (event) => {
    const cell = event.target.closest('td');
    if (cell === null || cell.classList.contains('strike')) return;
    const row = cell.parentElement;
    const strikeIndex = [...row.children].findIndex((td) => td.classList.contains('strike'));
    const ticker = [...row.children].indexOf(cell) < strikeIndex ? row.dataset.call : row.dataset.put;
    if (ticker !== undefined) open(ticker);
  });
}
