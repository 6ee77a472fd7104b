/**
 * The Polygon (Massive) REST client: the option-chain snapshot, the single-contract
 * snapshot and the contracts reference, page by page.
 *
 * Pages are yielded whole ({ results, requestId, url }): a truncated or malformed answer
 * is fetched again, never handed over in part. Pagination follows `next_url` (the key is sent again, as a header; see
 * pages.ts for how a next_url is read) and stops when a cursor repeats — the API has
 * been seen to hand the same next_url back — reporting it as an event. Every request
 * asks for the largest page the endpoint allows.
 *
 * All requests of one client share one limiter (request-limiter.ts): run several chains
 * at once and they still keep to one rate and one concurrency.
 */
import { OptdbError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { withoutKey } from './api-errors.js';
import { type ApiCounters, type ApiEvent, emptyCounters } from './api-events.js';
import { type ClientSettings, type PolygonClientOptions, resolveClientOptions } from './client-options.js';
import { PageFetcher } from './page-fetcher.js';
import { type ApiPage, type PageShape, pageKey } from './pages.js';
import { RequestLimiter } from './request-limiter.js';

export type QueryValue = string | number | boolean | undefined;

/** Filters of the chain snapshot; ranges as `'strike_price.gte': 100`. */
export interface ChainQuery {
  readonly strike_price?: number | string;
  readonly expiration_date?: string;
  readonly contract_type?: 'call' | 'put';
  readonly order?: 'asc' | 'desc';
  readonly sort?: 'ticker' | 'expiration_date' | 'strike_price';
  /** Results per page: at most 250 (the default). */
  readonly limit?: number;
  readonly [name: string]: QueryValue;
}

/** Parameters of the contracts reference; ranges as `'expiration_date.lte': '2025-12-31'`. */
export interface ContractsQuery {
  readonly underlying_ticker?: string;
  readonly contract_type?: 'call' | 'put';
  readonly expiration_date?: string;
  /** The day the listing is read for (YYYY-MM-DD; the API's default is today). */
  readonly as_of?: string;
  readonly strike_price?: number | string;
  /** true: contracts that have expired (as of `as_of`); the API's default is false. */
  readonly expired?: boolean;
  readonly order?: 'asc' | 'desc';
  readonly sort?: string;
  /** Results per page: at most 1000 (the default). */
  readonly limit?: number;
  readonly [name: string]: QueryValue;
}

export interface CallOptions {
  /** Cancels the call (e.g. at shutdown); a cancelled call is not retried. */
  readonly signal?: AbortSignal;
}

/** The API's largest page per endpoint: 250 results for a chain snapshot, 1,000 for the contracts reference. */
const MAX_PAGE_SIZE = Object.freeze({ snapshot: 250, contracts: 1000 });

// What the client's users need, from the one module they import.
export { PolygonApiError } from './api-errors.js';
export type { ApiCounters, ApiEvent, FailureKind } from './api-events.js';
export type { ClientSettings, PolygonClientOptions } from './client-options.js';
export type { ApiPage } from './pages.js';

export class PolygonClient {
  readonly settings: ClientSettings;
  readonly #counters: ApiCounters = emptyCounters();
  readonly #limiter: RequestLimiter;
  readonly #fetcher: PageFetcher;
  readonly #emit: (event: ApiEvent) => void;
  readonly #apiKey: string;

  /** Throws CONFIG_INVALID for a missing key (POLYGON_API_KEY) or a bad option. */
  constructor(options: PolygonClientOptions = {}) {
    const { apiKey, settings } = resolveClientOptions(options);
    this.#apiKey = apiKey;
    this.settings = settings;
    this.#emit = options.onEvent ?? (() => undefined);
    this.#limiter = new RequestLimiter({
      requestsPerSecond: settings.requestsPerSecond,
      concurrency: settings.concurrency,
      recoverAfter: settings.recoverAfter,
      onLimit: (from, to, reason) => this.#emit({ kind: 'limit', from, to, reason }),
    });
    this.#fetcher = new PageFetcher(apiKey, settings, this.#limiter, this.#counters, this.#emit);
  }

  /** Totals since the client was made (a copy: diff two to count one poll cycle). */
  get counters(): ApiCounters {
    return { ...this.#counters };
  }

  /** Requests allowed in flight right now (lowered on 429s and failures, recovering). */
  get concurrencyLimit(): number {
    return this.#limiter.limit;
  }

  /** Every contract of one underlying (`AAPL`, `I:SPX`), page by page: GET /v3/snapshot/options/{underlying}. */
  chainSnapshot(underlying: string, query: ChainQuery = {}, options: CallOptions = {}): AsyncIterable<ApiPage> {
    const url = this.#endpoint(['v3', 'snapshot', 'options', ticker('underlying', underlying)], withLimit(query, MAX_PAGE_SIZE.snapshot));
    return this.#pages(url, 'list', `the option chain of ${underlying}`, options.signal);
  }

  /** One contract's snapshot: GET /v3/snapshot/options/{underlying}/{contract}; the page holds one result. */
  async contractSnapshot(underlying: string, contract: string, options: CallOptions = {}): Promise<ApiPage> {
    const url = this.#endpoint(['v3', 'snapshot', 'options', ticker('underlying', underlying), ticker('contract', contract)], {});
    const page = await this.#fetcher.fetch({
      url,
      shape: 'single',
      subject: `the snapshot of ${contract} (underlying ${underlying})`,
      signal: options.signal,
    });
    return { results: page.results, requestId: page.requestId, url: page.url };
  }

  /** Listed (or, with `expired: true`, expired) contracts, page by page: GET /v3/reference/options/contracts. */
  contracts(query: ContractsQuery = {}, options: CallOptions = {}): AsyncIterable<ApiPage> {
    const url = this.#endpoint(['v3', 'reference', 'options', 'contracts'], withLimit(query, MAX_PAGE_SIZE.contracts));
    const which = query.expired === true ? 'expired contracts' : 'contracts';
    return this.#pages(url, 'list', `the ${which} of ${query.underlying_ticker ?? 'every underlying'}`, options.signal);
  }

  /** Ends a Retry-After hold in progress, so that nothing keeps the process waiting. */
  close(): void {
    this.#limiter.close();
  }

  async *#pages(first: URL, shape: PageShape, subject: string, signal: AbortSignal | undefined): AsyncGenerator<ApiPage> {
    const followed = new Set([pageKey(first)]);
    let url: URL | undefined = first;
    while (url) {
      const page = await this.#fetcher.fetch({ url, shape, subject, signal });
      url = page.next;
      const key = url === undefined ? undefined : pageKey(url);
      if (url && key !== undefined && followed.has(key)) {
        // The URL is the server's: masked with the key too, in case it echoes it.
        this.#emit({ kind: 'repeated-cursor', url: redactUrl(withoutKey(url.href, this.#apiKey)), cursor: withoutKey(key, this.#apiKey) });
        url = undefined;
      } else if (key !== undefined) {
        followed.add(key);
      }
      yield { results: page.results, requestId: page.requestId, url: page.url };
    }
  }

  #endpoint(segments: readonly string[], query: Readonly<Record<string, QueryValue>>): URL {
    const url = new URL(`${this.settings.baseUrl}/${segments.join('/')}`);
    for (const [name, value] of Object.entries(query)) {
      // The key travels in a header; in a query it would end up in logs and error messages.
      if (name.toLowerCase() === 'apikey') {
        throw new OptdbError('CONFIG_INVALID', 'the API key was passed as a query parameter', {
          remedy: 'Give it as the apiKey option or POLYGON_API_KEY: optdb sends it as a header.',
        });
      }
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }
}

/** The query with the largest page unless the caller asked for a smaller one. */
function withLimit(query: Readonly<Record<string, QueryValue>>, max: number): Record<string, QueryValue> {
  const limit = query['limit'] ?? max;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new OptdbError(
      'CONFIG_INVALID',
      `Expected \`limit\` to be an integer from 1 to ${max}, got \`${String(limit)}\` (${typeof limit})`,
    );
  }
  return { ...query, limit };
}

/**
 * A ticker as one path segment. Percent-encoded like any segment, except the colon of
 * `I:SPX` and `O:…`, which is valid in a path segment (RFC 3986 pchar) and is how the
 * API's documentation writes these paths.
 */
function ticker(what: string, text: string): string {
  if (typeof text !== 'string' || text.trim() === '')
    throw new OptdbError('CONFIG_INVALID', `Expected a ${what} ticker, got \`${String(text)}\``);
  return encodeURIComponent(text.trim()).replaceAll('%3A', ':');
}
