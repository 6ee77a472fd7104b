/**
 * The dashboard in a real browser — Debian's Chromium driven by playwright-core — against
 * optdb serve on a database filled through ingestFiles. The page loads without a console
 * error; the chain table shows the ingested rows around the underlying's price; changing
 * the underlying, the time and the strikes updates the table and the charts (their data,
 * read from the page, not their pixels); a capture ingested while the page is open shows
 * up without a reload; the contract and status views show what is stored; a phone-sized
 * viewport scrolls no wider than itself.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ingestFiles } from '../src/index.js';
import { launchChromium, pageErrors } from './harness/browser.js';
import { TestDatabases } from './harness/database.js';
import {
  BAR_TICKER,
  CHAIN_SIZE,
  FIRST_CAPTURE,
  micros,
  SECOND_CAPTURE,
  SECOND_OPEN_INTEREST,
  type ServedHistory,
  serveHistory,
} from './harness/served-history.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-serve-dashboard-');
const THIRD_CAPTURE = '2025-11-20T20:30:00Z';
const THIRD_OPEN_INTEREST = '888';

let history: ServedHistory;
let browser: Browser;
let databaseUrl: string;

before(async () => {
  history = await serveHistory(databases, dir, 'serve_dashboard');
  databaseUrl = history.config.databaseUrl!;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await history?.server.close();
  await databases.dropAll();
});

interface ChainRow {
  strike: string;
  cells: string[];
}

/** The chain table as the page shows it: each row's strike and its cells' text. */
function chainTable(page: Page): Promise<ChainRow[]> {
  return page.$$eval('#chain-table tbody tr', (rows) =>
    rows.map((row) => ({ strike: (row as any).dataset.strike!, cells: [...row.children].map((cell) => cell.textContent ?? '') })),
  );
}

/** Waits until the page has shown the chain of `underlying` as of `capturedAt` with its charts. */
async function chainShown(page: Page, underlying: string, capturedAt: string): Promise<void> {
  await page.waitForFunction(
    ([u, at]) => {
      const shown = (globalThis as any).optdb;
      return shown?.chain?.underlying === u && shown.chain.captured_at === at && shown.charts.oi !== undefined && !shown.rendering;
    },
    [underlying, capturedAt],
    { timeout: 20_000 },
  );
}

/**
 * What the table should show: the expiration (default the soonest not expired), its
 * `strikes` strikes below the underlying's price and as many at or above it, and each
 * side's open interest — read from the tables directly.
 */
async function expectedChain(underlying: string, capturedAt: string, strikes: number, expiration?: string) {
  const at = `'epoch'::timestamptz + $2::bigint * interval '1 microsecond'`;
  const rows = await query(
    databaseUrl,
    `WITH latest AS (
       SELECT o.contract_type::text AS type, trim_scale(o.strike_price)::text AS strike, o.strike_price, o.expiration_date,
              s.open_interest::text AS open_interest, s.underlying_price
       FROM options o JOIN option_snapshots s ON s.ticker = o.ticker AND s.captured_at = ${at}
       WHERE o.underlying_ticker = $1),
     soonest AS (SELECT coalesce($4::date, min(expiration_date)) AS day FROM latest),
     chain AS (SELECT l.* FROM latest l, soonest WHERE l.expiration_date = soonest.day),
     price AS (SELECT max(underlying_price) AS spot FROM chain),
     shown AS (
       (SELECT DISTINCT strike_price FROM chain, price WHERE strike_price < spot ORDER BY strike_price DESC LIMIT $3)
       UNION ALL
       (SELECT DISTINCT strike_price FROM chain, price WHERE strike_price >= spot ORDER BY strike_price LIMIT $3))
     SELECT c.strike, c.type, c.open_interest, c.expiration_date::text AS expiration
     FROM chain c WHERE c.strike_price IN (SELECT strike_price FROM shown)
     ORDER BY c.strike_price, c.type`,
    [underlying, micros(capturedAt).toString(), strikes, expiration ?? null],
  );
  const byStrike = new Map<string, { call?: string; put?: string }>();
  for (const row of rows) byStrike.set(row.strike, { ...byStrike.get(row.strike), [row.type]: row.open_interest });
  return { expiration: rows[0]?.expiration as string, byStrike };
}

/** Each row's strike and its call and put open interest, as the table shows them (OI is each side's last column). */
function openInterestOf(rows: ChainRow[]) {
  return new Map(rows.map((row) => [row.strike, { call: row.cells[6]!.replaceAll(',', ''), put: row.cells[14]!.replaceAll(',', '') }]));
}

/** The strikes of an expiration with an implied volatility stored at a capture: the smile's x values. */
async function smileStrikes(expiration: string, capturedAt: string): Promise<string[]> {
  const rows = await query(
    databaseUrl,
    `SELECT DISTINCT trim_scale(o.strike_price)::text AS strike, o.strike_price FROM options o JOIN option_snapshots s ON s.ticker = o.ticker
     WHERE o.underlying_ticker = 'AAPL' AND o.expiration_date = $1 AND s.captured_at = $2 AND s.implied_volatility IS NOT NULL
     ORDER BY o.strike_price`,
    [expiration, capturedAt],
  );
  return rows.map((row) => row.strike);
}

function charts(
  page: Page,
): Promise<Record<string, { x: number[]; series: Record<string, (number | null)[]>; marks: Record<string, number> }>> {
  return page.evaluate(() => (globalThis as any).optdb.charts);
}

test('the dashboard: chain table, charts, pickers, live updates, contract and status views, without console errors', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = pageErrors(page);
  await page.goto(history.server.url);

  // The underlying captured last is shown first, as of its newest capture.
  await chainShown(page, 'AAPL', SECOND_CAPTURE);
  await page.selectOption('#strikes', '2');
  await page.waitForFunction(() => (globalThis as any).optdb.chain.strikes_per_side === 2 && !(globalThis as any).optdb.rendering);
  let expected = await expectedChain('AAPL', SECOND_CAPTURE, 2);
  let rows = await chainTable(page);
  assert.equal(expected.byStrike.size, 4, 'two strikes below the price and two above');
  assert.deepEqual(openInterestOf(rows), expected.byStrike);
  assert.ok([...expected.byStrike.values()].every((side) => side.call === SECOND_OPEN_INTEREST));
  assert.equal(await page.inputValue('#expiration'), expected.expiration);

  // The charts drew the same capture: open interest by strike, the smile's strikes, the term structure's expirations.
  let drawn = await charts(page);
  const oiByStrike = new Map(drawn.oi!.x.map((strike, i) => [String(strike), drawn.oi!.series['call OI']![i]]));
  for (const strike of expected.byStrike.keys()) assert.equal(String(oiByStrike.get(strike)), SECOND_OPEN_INTEREST, `call OI at ${strike}`);
  assert.deepEqual(drawn.smile!.x.map(String), await smileStrikes(expected.expiration, SECOND_CAPTURE));
  const expirations = await query(
    databaseUrl,
    `SELECT DISTINCT o.expiration_date FROM options o JOIN option_snapshots s ON s.ticker = o.ticker WHERE o.underlying_ticker = 'AAPL' AND s.captured_at = $1`,
    [SECOND_CAPTURE],
  );
  assert.equal(drawn.term!.x.length, expirations.length);
  assert.ok(drawn.oi!.marks['max pain'] !== undefined, 'max pain is marked');

  // An earlier time: the first capture's open interest, in the table and the chart.
  await page.selectOption('#capture', FIRST_CAPTURE);
  await chainShown(page, 'AAPL', FIRST_CAPTURE);
  expected = await expectedChain('AAPL', FIRST_CAPTURE, 2);
  assert.deepEqual(openInterestOf(await chainTable(page)), expected.byStrike);
  assert.ok([...expected.byStrike.values()].some((side) => side.call !== SECOND_OPEN_INTEREST));
  drawn = await charts(page);
  for (const [strike, side] of expected.byStrike) {
    assert.equal(
      String(drawn.oi!.series['call OI']![drawn.oi!.x.findIndex((x) => String(x) === strike)]),
      side.call,
      `call OI at ${strike}`,
    );
  }

  // Another expiration: the last one, in the table and the smile.
  const last = await page.$eval('#expiration', (select) => (select as any).options[(select as any).options.length - 1].value as string);
  assert.notEqual(last, expected.expiration);
  await page.selectOption('#expiration', last);
  await page.waitForFunction(
    (day) => (globalThis as any).optdb.chain.expiration_date === day && !(globalThis as any).optdb.rendering,
    last,
  );
  expected = await expectedChain('AAPL', FIRST_CAPTURE, 2, last);
  assert.equal(expected.byStrike.size, 4);
  assert.deepEqual(openInterestOf(await chainTable(page)), expected.byStrike);
  assert.deepEqual((await charts(page)).smile!.x.map(String), await smileStrikes(last, FIRST_CAPTURE));

  // Another underlying: the index option, in the table and every chart.
  await page.selectOption('#underlying', 'I:SPX');
  await chainShown(page, 'I:SPX', '2023-07-12T15:00:00Z');
  rows = await chainTable(page);
  assert.deepEqual(
    rows.map((row) => [row.strike, row.cells[6]]),
    [['4500', '4,501']],
  );
  drawn = await charts(page);
  assert.deepEqual(drawn.smile!.x, [4500]);
  assert.deepEqual(drawn.smile!.series.calls, [0.1186]);
  assert.deepEqual(drawn.oi!.series['call OI'], [4501]);
  assert.deepEqual(drawn.term!.x.length, 1);

  // Live: back on AAPL's newest, a capture ingested while the page is open shows up without a reload.
  await page.selectOption('#underlying', 'AAPL');
  await chainShown(page, 'AAPL', SECOND_CAPTURE);
  await page.waitForFunction(() => (globalThis as any).optdb.live === true);
  await page.evaluate(() => ((globalThis as any).sameDocument = true));
  const third = history.secondChain.map((result) => result.replace(/"open_interest":\d+/, `"open_interest":${THIRD_OPEN_INTEREST}`));
  const file = await dir.write('third.json', `{"status":"OK","request_id":"r","results":[${third.join(',')}]}`);
  await ingestFiles(history.config, [file], { capturedAtMicros: micros(THIRD_CAPTURE) });
  await chainShown(page, 'AAPL', THIRD_CAPTURE);
  assert.equal(await page.evaluate(() => (globalThis as any).sameDocument), true, 'the page was not reloaded');
  assert.ok((await chainTable(page)).every((row) => row.cells[6] === THIRD_OPEN_INTEREST && row.cells[14] === THIRD_OPEN_INTEREST));
  assert.ok((await page.$$eval('#capture option', (options) => options.map((o) => (o as any).value))).includes(THIRD_CAPTURE));
  drawn = await charts(page);
  assert.ok(drawn.oi!.series['call OI']!.every((value) => String(value) === THIRD_OPEN_INTEREST));

  // A contract: a click on a call opens its history (one point per capture) and its day bars.
  const callTicker = await page.$eval('#chain-table tbody tr', (row) => (row as any).dataset.call!);
  await page.click('#chain-table tbody tr td:first-child');
  await page.waitForFunction((ticker) => (globalThis as any).optdb.contract?.ticker === ticker, callTicker);
  assert.equal((await charts(page)).history!.x.length, 3);
  await page.goto(`${history.server.url}/#/contract/${encodeURIComponent(BAR_TICKER)}`);
  await page.waitForFunction((ticker) => (globalThis as any).optdb?.contract?.ticker === ticker, BAR_TICKER);
  drawn = await charts(page);
  assert.deepEqual(drawn.bars!.series.close, [0.30000000000000004, 2.1, 1.7]);
  assert.equal(await page.locator('#bars-table tbody tr').count(), 3);

  // The ingest status: newest capture per underlying, rows per day, table sizes.
  await page.goto(`${history.server.url}/#/status`);
  await page.waitForFunction(() => (globalThis as any).optdb?.status !== undefined);
  const status = await page.evaluate(() => (globalThis as any).optdb.status);
  assert.deepEqual(
    status.underlyings.map((u: any) => [u.underlying_ticker, u.contracts, u.newest_capture]),
    [
      ['AAPL', CHAIN_SIZE, THIRD_CAPTURE],
      ['I:SPX', 1, '2023-07-12T15:00:00Z'],
    ],
  );
  assert.equal(status.newest_capture.captured_at, THIRD_CAPTURE);
  assert.equal(status.newest_capture.snapshots, CHAIN_SIZE);
  assert.deepEqual(
    status.tables.map((t: any) => t.table),
    ['options', 'option_snapshots', 'option_day_aggs', 'import_batches'],
  );
  assert.ok(
    status.tables.every((t: any) => t.total_bytes > 0),
    'every table has its size',
  );
  assert.equal(await page.locator('#status-underlyings tbody tr').count(), 2);

  assert.deepEqual(errors, []);
  await page.close();
});

test('the dashboard on a phone-sized viewport: no sideways scrolling of the page, the chain still readable', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const errors = pageErrors(page);
  await page.goto(history.server.url);
  await page.waitForFunction(
    () => (globalThis as any).optdb?.chain?.underlying === 'AAPL' && (globalThis as any).optdb.charts.oi !== undefined,
  );
  assert.ok(
    await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth <= (globalThis as any).innerWidth),
    'the page is no wider than the screen',
  );
  assert.ok((await chainTable(page)).length > 0);
  assert.equal(await page.locator('#chain-table th.minor').first().isVisible(), false, 'the minor columns give way');
  assert.deepEqual(errors, []);
  await page.close();
});

test('with a token set, the page and its assets load without it, and the page asks for it once', async () => {
  const token = 'dashboard-token-0123456789';
  const served = await serveHistory(databases, dir, 'serve_dashboard_token', { token });
  try {
    assert.equal((await fetch(`${served.server.url}/v1/underlyings`)).status, 401);
    assert.equal((await fetch(`${served.server.url}/assets/main.js`)).status, 200);
    const page = await browser.newPage();
    const errors = pageErrors(page);
    let asked = 0;
    page.on('dialog', (dialog) => {
      asked++;
      void dialog.accept(token);
    });
    await page.goto(served.server.url);
    await chainShown(page, 'AAPL', SECOND_CAPTURE);
    await page.waitForFunction(() => (globalThis as any).optdb.live === true, undefined, { timeout: 20_000 });
    assert.equal(asked, 1);
    // The only errors are the browser's notes of the answers that made the page ask.
    assert.ok(
      errors.every((error) => error.includes('401')),
      errors.join('\n'),
    );
    await page.close();
  } finally {
    await served.server.close();
  }
});
