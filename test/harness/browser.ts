/**
 * A real browser for the dashboard tests: Debian's Chromium (`apt-get install chromium`,
 * as .ci/run does) driven by playwright-core, which downloads no browser of its own. Every
 * console error and uncaught exception of a page is kept, for the test to fail on.
 */
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where Chromium is: OPTDB_CHROMIUM, or Debian's package's path. */
export const CHROMIUM_PATH = process.env.OPTDB_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // No GPU here; and nothing reaches out (the machine's network is closed, and a test must not depend on it).
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The page's console errors and uncaught exceptions, as text, from now on. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}
