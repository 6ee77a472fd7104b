/**
 * The REST client's options, resolved once into a frozen object. Every option has a
 * default and a unit; a bad value fails at construction with the option, the rule and
 * the value received.
 *
 * | option             | default                   | unit / meaning                                          |
 * |--------------------|---------------------------|---------------------------------------------------------|
 * | apiKey             | $POLYGON_API_KEY          | the key, sent as `Authorization: Bearer`                |
 * | baseUrl            | https://api.polygon.io    | any endpoint that speaks the same API                   |
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
import { readApiKey } from './api-key.js';

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
  const apiKey = options.apiKey?.trim() || readApiKey(options.env);
  const settings: ClientSettings = Object.freeze({
    baseUrl: baseUrl(options.baseUrl ?? CLIENT_DEFAULTS.baseUrl),
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
  return new OptdbError('CONFIG_INVALID', `Expected \`${name}\` to be ${rule}, got \`${String(value)}\` (${typeof value})`);
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(name, 'a finite number > 0', value);
  return value;
}

function integer(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw invalid(name, `an integer >= ${min}`, value);
  return value;
}

function baseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('baseUrl', 'an absolute http(s) URL', redactUrl(text));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('baseUrl', 'an absolute http(s) URL', redactUrl(text));
  // The key travels in a header: a base URL with a query or credentials would be printed in errors.
  if (url.search || url.hash || url.username || url.password) {
    throw invalid('baseUrl', 'a URL without query, fragment or credentials', redactUrl(`${url.origin}${url.pathname}`));
  }
  return url.href.replace(/\/+$/, '');
}
