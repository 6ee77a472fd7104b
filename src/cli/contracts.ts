/**
 * `optdb contracts sync`: fills and refreshes `options` from the Polygon (Massive)
 * contracts reference. One summary line on stdout (or JSON); rejected contracts and
 * skipped underlyings on stderr. Exit 0 when every underlying was listed, 1 when one
 * failed (the others are stored) or an error stopped the sync, 2 for a bad flag.
 */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { type SyncSummary, syncContracts } from '../contracts/contracts-sync.js';
import { isCalendarDate } from '../domain/calendar-date.js';
import { resolveUnderlyings } from '../poll/watchlist.js';
import { describeApiEvent } from './api-event-text.js';
import { type ApiFlags, addApiOptions, clientOptions } from './api-options.js';
import { checked, integerOption, underlyingsOption } from './option-parsers.js';
import { say, warn } from './output.js';
import { onInterrupt, onShutdown } from './shutdown.js';

interface SyncFlags extends ApiFlags {
  underlyings?: string[];
  watchlist?: string;
  expired?: boolean;
  asOf?: string;
  underlyingConcurrency: number;
  json?: boolean;
}

// Enough to see what is wrong; the count says how many more there were.
const REJECTS_SHOWN = 20;

export function registerContracts(program: Command, config: () => Config): void {
  const contracts = program.command('contracts').description('the options table: contracts from the Polygon (Massive) contracts reference');
  const sync = contracts
    .command('sync')
    .description('fill and refresh options from the contracts reference (key: POLYGON_API_KEY)')
    .option('--underlyings <list>', 'underlyings whose contracts to list: AAPL,SPY,I:SPX (repeatable)', underlyingsOption)
    .option('--watchlist <file>', 'a file of underlyings, one or more per line, # comments')
    .option('--expired', 'also list expired contracts (as of --as-of)')
    .option(
      '--as-of <date>',
      'list the contracts as of this day, YYYY-MM-DD (default: today)',
      checked((text) => (isCalendarDate(text) ? text : undefined), 'a date as YYYY-MM-DD'),
    )
    .option('--underlying-concurrency <n>', 'underlyings listed at once', integerOption(1, 100), 4);
  addApiOptions(sync)
    .option('--json', 'print the summary as JSON')
    .action(async (flags: SyncFlags) => {
      const summary = await run(config(), flags);
      say(flags.json ? JSON.stringify(summary) : summaryLine(summary));
      if (summary.failed.length > 0) process.exitCode = 1;
    });
}

async function run(config: Config, flags: SyncFlags): Promise<SyncSummary> {
  const underlyings = await resolveUnderlyings({ underlyings: flags.underlyings ?? [], watchlist: flags.watchlist });
  let throttledShown = false;
  let shown = 0;
  // Ctrl-C: no further page is fetched; the pages fetched are written before the exit.
  const interrupt = new AbortController();
  const unregisterInterrupt = onInterrupt(async () => {
    warn('optdb: stopping: the pages already fetched are being written');
    interrupt.abort(new Error('interrupted'));
  }, config.stopGraceMs);
  try {
    const summary = await syncContracts(config, {
      underlyings,
      expired: flags.expired ?? false,
      asOf: flags.asOf,
      underlyingConcurrency: flags.underlyingConcurrency,
      api: clientOptions(flags, (event) => {
        if (event.kind === 'throttled' && throttledShown) return; // the summary counts them
        if (event.kind === 'throttled') throttledShown = true;
        const text = describeApiEvent(event);
        if (text !== undefined) warn(`optdb: ${text}`);
      }),
      signal: interrupt.signal,
      registerCleanup: onShutdown,
      onReject: ({ underlying, ticker, reason }) => {
        if (shown++ < REJECTS_SHOWN) warn(`optdb: rejected ${ticker ?? 'a contract'} (${underlying}): ${reason}`);
      },
      onFailed: ({ underlying, reason }) => warn(`optdb: skipped ${underlying}: ${reason}`),
    });
    if (summary.rejected > REJECTS_SHOWN) warn(`optdb: … and ${summary.rejected - REJECTS_SHOWN} more rejected`);
    return summary;
  } finally {
    unregisterInterrupt();
  }
}

/** `2 underlyings  2,000 contracts listed (2 pages)  1,999 created  1 updated  0 unchanged  0 rejected  2 requests (0 retries, 0 × 429)  0.4 s` */
function summaryLine(summary: SyncSummary): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const of = (value: number, noun: string) => `${n(value)} ${noun}${value === 1 ? '' : 's'}`;
  const failed = summary.failed.length > 0 ? ` (${summary.failed.length} failed)` : '';
  return [
    `${of(summary.underlyings, 'underlying')}${failed}`,
    `${of(summary.listed, 'contract')} listed (${of(summary.pages, 'page')})`,
    `${n(summary.created)} created`,
    `${n(summary.updated)} updated`,
    `${n(summary.unchanged)} unchanged`,
    `${n(summary.rejected)} rejected`,
    `${of(summary.requests, 'request')} (${n(summary.retries)} ${summary.retries === 1 ? 'retry' : 'retries'}, ${n(summary.throttled)} × 429)`,
    `${(summary.durationMs / 1000).toFixed(1)} s`,
    ...(summary.interrupted ? ['interrupted'] : []),
  ].join('  ');
}
