// The dashboard: the underlying and time pickers, the views (chain, contract, status) by
// the URL's hash, and live updates — when the server announces new snapshots, the
// pickers and the view on screen are read again, without a reload.
//
//   #/?underlying=AAPL&as_of=…&expiration=…&strikes=10    the chain view (as_of absent: the newest, followed live)
//   #/contract/O:AAPL251121C00150000                      a contract
//   #/status                                              the ingest status
import { getJson, listen } from './api.js';
import { onContractClick, showChain } from './chain-view.js';
import { followWidths } from './charts.js';
import { showContract } from './contract-view.js';
import { count, nyTime } from './format.js';
import { showStatus } from './status-view.js';

const $ = (id) => document.getElementById(id);
const CAPTURE_CHOICES = 200;

// What the page shows, for people and for tests: `rendering` is true while views are
// read and drawn, `renders` counts the renders done.
window.optdb = { charts: {}, renders: 0, rendering: false, live: false };

const state = { view: 'chain', underlying: undefined, asOf: undefined, expiration: undefined, strikes: '10', ticker: undefined };

function readHash() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  if (path.startsWith('/contract/')) {
    state.view = 'contract';
    state.ticker = decodeURIComponent(path.slice('/contract/'.length));
  } else if (path === '/status') {
    state.view = 'status';
  } else {
    state.view = 'chain';
    state.underlying = params.get('underlying') ?? state.underlying;
    state.asOf = params.get('as_of') ?? undefined;
    state.expiration = params.get('expiration') ?? undefined;
    state.strikes = params.get('strikes') ?? state.strikes;
  }
}

function chainHash() {
  const params = new URLSearchParams();
  if (state.underlying !== undefined) params.set('underlying', state.underlying);
  if (state.asOf !== undefined) params.set('as_of', state.asOf);
  if (state.expiration !== undefined) params.set('expiration', state.expiration);
  if (state.strikes !== '10') params.set('strikes', state.strikes);
  return `#/?${params}`;
}

function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

async function fillUnderlyings() {
  const { results } = await getJson('/v1/underlyings');
  // Without a choice: the underlying captured last, the one a live page most likely watches.
  const newest = results.filter((u) => u.newest_capture !== undefined).sort((a, b) => (a.newest_capture < b.newest_capture ? 1 : -1))[0];
  state.underlying ??= newest?.underlying_ticker ?? results[0]?.underlying_ticker;
  $('underlying').replaceChildren(
    ...results.map((u) => {
      const option = new Option(`${u.underlying_ticker} (${count(u.contracts)})`, u.underlying_ticker);
      option.selected = u.underlying_ticker === state.underlying;
      return option;
    }),
  );
}

async function fillCaptures() {
  const select = $('capture');
  if (state.underlying === undefined) return select.replaceChildren();
  const { results } = await getJson(`/v1/underlyings/${encodeURIComponent(state.underlying)}/captures`, { limit: CAPTURE_CHOICES });
  const latest = new Option(results.length === 0 ? 'nothing stored' : `newest (${nyTime(results[0].captured_at)})`, '');
  const options = results.map((c) => new Option(`${nyTime(c.captured_at)} · ${count(c.snapshots)}`, c.captured_at));
  // A time picked that is no longer among the newest choices stays choosable.
  if (state.asOf !== undefined && !results.some((c) => c.captured_at === state.asOf)) options.push(new Option(state.asOf, state.asOf));
  select.replaceChildren(latest, ...options);
  select.value = state.asOf ?? '';
}

function showView(name) {
  for (const view of ['chain', 'contract', 'status']) $(`${view}-view`).hidden = view !== name;
  $('nav-chain').classList.toggle('active', name === 'chain');
  $('nav-status').classList.toggle('active', name === 'status');
}

// What the pickers were filled for; `stale` once new snapshots landed.
const picked = { stale: true, underlying: undefined, asOf: undefined };

// Renders run one at a time; a render asked for meanwhile runs once the current one ends.
let running;
let again = false;
async function render() {
  if (running !== undefined) {
    again = true;
    return running;
  }
  window.optdb.rendering = true;
  running = (async () => {
    do {
      again = false;
      await renderOnce();
    } while (again);
  })();
  await running;
  running = undefined;
  window.optdb.rendering = false;
}

async function renderOnce() {
  readHash();
  showView(state.view);
  $('strikes').value = state.strikes;
  try {
    // The pickers cost a probe per contract: read at the start, when new snapshots land,
    // and (the captures) when the underlying changes — not for every view.
    if (picked.stale) await fillUnderlyings();
    if (picked.stale || picked.underlying !== state.underlying || picked.asOf !== state.asOf) await fillCaptures();
    Object.assign(picked, { stale: false, underlying: state.underlying, asOf: state.asOf });
    if (state.underlying !== undefined) $('underlying').value = state.underlying;
    if (state.view === 'chain' && state.underlying !== undefined) state.expiration = await showChain(state);
    else if (state.view === 'contract') await showContract(state.ticker);
    else if (state.view === 'status') await showStatus();
    $('error').hidden = true;
  } catch (error) {
    $('error').textContent = `optdb serve answered: ${error.message}`;
    $('error').hidden = false;
    console.error(error);
  }
  window.optdb.view = state.view;
  window.optdb.renders++;
}

$('underlying').addEventListener('change', (event) => {
  state.underlying = event.target.value;
  state.asOf = undefined;
  state.expiration = undefined;
  go(chainHash());
});
$('capture').addEventListener('change', (event) => {
  state.asOf = event.target.value === '' ? undefined : event.target.value;
  go(chainHash());
});
$('expiration').addEventListener('change', (event) => {
  state.expiration = event.target.value;
  go(chainHash());
});
$('strikes').addEventListener('change', (event) => {
  state.strikes = event.target.value;
  go(chainHash());
});
onContractClick((ticker) => go(`#/contract/${encodeURIComponent(ticker)}`));
window.addEventListener('hashchange', render);

// A new write: the pickers and the view are read again. A chain read as of a picked time
// does not change, but its pickers may.
let lastWrite;
listen(
  (event) => {
    const write = JSON.stringify(event);
    if (lastWrite !== undefined && write !== lastWrite) {
      window.optdb.updates = (window.optdb.updates ?? 0) + 1;
      picked.stale = true;
      render();
    }
    lastWrite = write;
  },
  (connected) => {
    window.optdb.live = connected;
    $('live').classList.toggle('on', connected);
    $('live').title = connected ? 'live: updates when new snapshots land' : 'live updates: reconnecting';
  },
);

followWidths();
render();
