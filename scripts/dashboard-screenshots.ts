/**
 * `npm run screenshots`: pictures of the dashboard for docs/ — the chain view on a desktop
 * and on a phone, a contract, and the ingest status — taken by Debian's Chromium
 * (playwright-core) from `optdb serve` on the configured database: the demo's, after
 * `npm start`, or DATABASE_URL's.
 *
 * Usage: npm run screenshots   (OPTDB_CHROMIUM: another Chromium than /usr/bin/chromium)
 */
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { resolveConfig, serveApi } from '../src/index.js';

const DOCS = path.resolve('docs');
const DESKTOP = { width: 1400, height: 1050 };
const PHONE = { width: 390, height: 844 };

const server = await serveApi(resolveConfig({}), { listen: { host: '127.0.0.1', port: 0 } });
const browser = await chromium.launch({
  executablePath: process.env.OPTDB_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  const desktop = await browser.newPage({ viewport: DESKTOP });
  await desktop.goto(server.url);
  await settled(desktop, 'chain');
  await shoot(desktop, 'dashboard.png', true);

  await desktop.click('#chain-table tbody tr td:first-child');
  await settled(desktop, 'contract');
  await shoot(desktop, 'dashboard-contract.png');

  await desktop.goto(`${server.url}/#/status`);
  await settled(desktop, 'status');
  await shoot(desktop, 'dashboard-status.png');

  const phone = await browser.newPage({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await phone.goto(server.url);
  await settled(phone, 'chain');
  await shoot(phone, 'dashboard-phone.png');
} finally {
  await browser.close();
  await server.close();
}

/** What the page keeps of what it shows (main.js): whether a view is drawn, whether a render is under way. */
interface Shown {
  readonly optdb?: { rendering: boolean; charts: { oi?: unknown }; contract?: unknown; status?: unknown };
}

/** Waits until the page has drawn `view` and no render is under way. */
async function settled(page: Page, view: 'chain' | 'contract' | 'status'): Promise<void> {
  await page.waitForFunction(
    (name) => {
      const shown = (globalThis as Shown).optdb;
      const drawn = name === 'chain' ? shown?.charts.oi : shown?.[name];
      return drawn !== undefined && shown?.rendering === false;
    },
    view,
    { timeout: 60_000 },
  );
}

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: path.join(DOCS, name), fullPage });
  process.stdout.write(`docs/${name}\n`);
}
