/**
 * The flags of the commands that call the market-data API (`poll`, `contracts sync`),
 * and what the client reports, in words. Precedence: flag → environment → the client's
 * default (client-options.ts has the table).
 *
 * | flag                    | environment      | default                | unit |
 * |-------------------------|------------------|------------------------|------|
 * | --base-url              | POLYGON_BASE_URL | https://api.polygon.io | http:// only to loopback (the key would travel in clear) |
 * | (the key)               | POLYGON_API_KEY  | required               |      |
 * | --rate                  |                  | 50                     | request starts per second |
 * | --request-concurrency   |                  | 8                      | requests in flight |
 * | --timeout               |                  | 30s                    | per request: 500ms, 30s, or plain ms |
 * | --retries               |                  | 8                      | retries per request |
 */
import type { Command } from 'commander';
import type { ApiEvent } from '../api/api-events.js';
import { checkBaseUrl, type PolygonClientOptions } from '../api/client-options.js';
import { checked, integerOption } from './option-parsers.js';

export const BASE_URL_VARIABLE = 'POLYGON_BASE_URL';

export interface ApiFlags {
  baseUrl?: string;
  rate?: number;
  requestConcurrency?: number;
  timeout?: number;
  retries?: number;
}

export function addApiOptions(command: Command): Command {
  return command
    .option('--base-url <url>', `API base URL (env ${BASE_URL_VARIABLE}, default https://api.polygon.io; http:// only to localhost)`)
    .option(
      '--rate <requests/s>',
      'API requests started per second at most (default 50; the free tier allows 5/min: 0.083)',
      checked(parseRate, 'a number > 0, e.g. 50 or 0.083'),
    )
    .option('--request-concurrency <n>', 'API requests in flight at most (default 8; halved on 429s, recovering)', integerOption(1, 1_000))
    .option(
      '--timeout <duration>',
      'per API request, sending to the last byte: 500ms, 30s, or ms (default 30s)',
      checked(parseTimeout, 'a duration such as 500ms or 30s'),
    )
    .option('--retries <n>', 'retries per API request after a 429, 5xx, timeout or malformed answer (default 8)', integerOption(0, 100));
}

/** The client's options from the flags (the key is read by the client from POLYGON_API_KEY). */
export function clientOptions(
  flags: ApiFlags,
  onEvent: (event: ApiEvent) => void,
  env: NodeJS.ProcessEnv = process.env,
): PolygonClientOptions {
  const given = flags.baseUrl ?? (env[BASE_URL_VARIABLE]?.trim() || undefined);
  // Checked here too, so that a bad URL is named by where it came from (the flag or the variable).
  const baseUrl = given === undefined ? undefined : checkBaseUrl(given, flags.baseUrl !== undefined ? '--base-url' : BASE_URL_VARIABLE);
  return {
    env,
    onEvent,
    ...(baseUrl !== undefined && { baseUrl }),
    ...(flags.rate !== undefined && { requestsPerSecond: flags.rate }),
    ...(flags.requestConcurrency !== undefined && { concurrency: flags.requestConcurrency }),
    ...(flags.timeout !== undefined && { timeoutMs: flags.timeout }),
    ...(flags.retries !== undefined && { retry: { retries: flags.retries } }),
  };
}

function parseRate(text: string): number | undefined {
  const rate = Number(text);
  return /^\d*\.?\d+$/.test(text.trim()) && rate > 0 ? rate : undefined;
}

function parseTimeout(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  return ms >= 1 && ms <= 3_600_000 ? Math.round(ms) : undefined;
}
