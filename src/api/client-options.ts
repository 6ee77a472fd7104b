/**
 * The REST client's options, resolved once into a frozen object. Every option has a
 * default and a unit; a bad value fails at construction with the option, the rule and
 * the value received.
 *
 * | option             | default                   | unit / meaning                                          |
 * |--------------------|---------------------------|---------------------------------------------------------|
 * | apiKey             | $POLYGON_API_KEY          | the key, sent as `Authorization: Bearer`: printable ASCII without spaces |
 * | baseUrl            | https://api.polygon.io    | any endpoint that speaks the same API; http only to loopback |
 * | requestsPerSecond  | 50                        | request starts per second (free tier: 5/min = 0.083)     |
 * | concurrency        | 8                         | requests in flight at most (AIMD lowers it on trouble)   |
 * | timeoutMs          | 30000                     | per request, from sending to the last body byte (ms)    |
 * | recoverAfter       | 10                        | successes in a row before the concurrency grows by one   |
 * | retry.retries      | 8                         | retries per request after the first attempt             |
 * | retry.minDelayMs   | 250                       | first backoff (ms), doubled per retry, with jitter       |
 * | retry.maxDelayMs   | 10000                     | longest backoff (ms)                                    |
 * | retry.maxRetryTimeMs | 120000                  | no new attempt starts after this long (ms)              |
 * | maxRetryAfterMs    | 60000                     | a server's `Retry-After` is honoured up to this (ms)    |
 */
import { OptdbError } from '../errors.js';
import { redactUrl } from '../redact.js';
import type { ApiEvent } from './api-events.js';
import type { RetryLimits } from '../retry-limits.js';
import { API_KEY_VARIABLE, readApiKey } from './api-key.js';

export interface PolygonClientOptions {
  readonly apiKey?: string;
  /** Where the key is read from when `apiKey` is not given (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  readonly baseUrl?: string;
  readonly requestsPerSecond?: number;
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  readonly recoverAfter?: number;
  readonly retry?: Partial<RetryLimits>;
  readonly maxRetryAfterMs?: number;
  /** Every request, retry, 429, limit change and repeated cursor (for logs and metrics). */
  readonly onEvent?: (event: ApiEvent) => void;
}

/** The resolved settings, safe to print: the key is kept apart (see resolveClientOptions). */
export interface ClientSettings {
  /** Without a trailing slash; endpoint paths are appended to it. */
  readonly baseUrl: string;
  readonly requestsPerSecond: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly recoverAfter: number;
  readonly retry: RetryLimits;
  readonly maxRetryAfterMs: number;
}

const CLIENT_DEFAULTS = Object.freeze({
  baseUrl: 'https://api.polygon.io',
  requestsPerSecond: 50,
  concurrency: 8,
  timeoutMs: 30_000,
  recoverAfter: 10,
  retry: Object.freeze({ retries: 8, minDelayMs: 250, maxDelayMs: 10_000, maxRetryTimeMs: 120_000 }),
  maxRetryAfterMs: 60_000,
});

/** The key and the settings, apart: settings get logged, the key must not be. */
export function resolveClientOptions(options: PolygonClientOptions): { apiKey: string; settings: ClientSettings } {
  const retry = { ...CLIENT_DEFAULTS.retry, ...options.retry };
  const given = options.apiKey?.trim();
  const apiKey = checkApiKey(given || readApiKey(options.env), given ? '`apiKey`' : API_KEY_VARIABLE);
  const settings: ClientSettings = Object.freeze({
    baseUrl: checkBaseUrl(options.baseUrl ?? CLIENT_DEFAULTS.baseUrl),
    requestsPerSecond: positive('requestsPerSecond', options.requestsPerSecond ?? CLIENT_DEFAULTS.requestsPerSecond),
    concurrency: integer('concurrency', options.concurrency ?? CLIENT_DEFAULTS.concurrency, 1),
    timeoutMs: positive('timeoutMs', options.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs),
    recoverAfter: integer('recoverAfter', options.recoverAfter ?? CLIENT_DEFAULTS.recoverAfter, 1),
    retry: Object.freeze({
      retries: integer('retry.retries', retry.retries, 0),
      minDelayMs: integer('retry.minDelayMs', retry.minDelayMs, 0),
      maxDelayMs: integer('retry.maxDelayMs', retry.maxDelayMs, 0),
      maxRetryTimeMs: positive('retry.maxRetryTimeMs', retry.maxRetryTimeMs),
    }),
    maxRetryAfterMs: integer('maxRetryAfterMs', options.maxRetryAfterMs ?? CLIENT_DEFAULTS.maxRetryAfterMs, 0),
  });
  return { apiKey, settings };
}

function invalid(name: string, rule: string, value: unknown): OptdbError {
  // The type is named when it is not the string a flag or variable gives (a library caller's mistake).
  const type = typeof value === 'string' ? '' : ` (${typeof value})`;
  return new OptdbError('CONFIG_INVALID', `Expected \`${name}\` to be ${rule}, got \`${String(value)}\`${type}`);
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(name, 'a finite number > 0', value);
  return value;
}

function integer(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw invalid(name, `an integer >= ${min}`, value);
  return value;
}

/**
 * The key goes into a header. A control character there makes fetch refuse the header
 * with an error that quotes all of it, key included; the keys the API hands out are
 * printable ASCII, so anything else is a copy-paste accident. The key is never echoed.
 */
function checkApiKey(key: string, source: string): string {
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) {
      const what = code === 0x20 ? 'a space' : code < 0x20 || code === 0x7f ? 'a control character' : 'a non-ASCII character';
      throw new OptdbError(
        'CONFIG_INVALID',
        `Expected the API key (${source}) to be printable ASCII without spaces, got ${what} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at position ${i + 1} of ${key.length} (key hidden)`,
        {
          remedy: `Set ${source} again to the key on your Polygon.io (Massive) dashboard, without quotes, spaces or line breaks.`,
        },
      );
    }
  }
  return key;
}

/**
 * The base URL without a trailing slash, or CONFIG_INVALID naming `name` (the option, flag
 * or variable the URL came from). Plain http would send the key in clear text: only to
 * this machine (loopback), where tests and local proxies listen.
 */
export function checkBaseUrl(text: string, name = 'baseUrl'): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(name, 'an absolute http(s) URL', redactUrl(text));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(name, 'an absolute http(s) URL', redactUrl(text));
  // The key travels in a header: a base URL with a query or credentials would be printed in errors.
  if (url.search || url.hash || url.username || url.password) {
    throw invalid(name, 'a URL without query, fragment or credentials', redactUrl(`${url.origin}${url.pathname}`));
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw invalid(
      name,
      'an https:// URL (plain http:// would send the API key in clear text; it is allowed only to localhost, 127.0.0.0/8 or [::1])',
      url.origin,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** `hostname` as URL normalises it: 127.1 and 0x7f.0.0.1 are already 127.0.0.1, IPv6 is bracketed. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
