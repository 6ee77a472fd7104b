/** What the market-data client reports (retries, 429s, limit changes, repeated cursors), in words for stderr. */
import type { ApiEvent } from '../api/api-events.js';

/**
 * What the client reports, in words; undefined for what is not worth a line (each
 * request; a 429's retry, which its 'throttled' event already said).
 */
export function describeApiEvent(event: ApiEvent): string | undefined {
  switch (event.kind) {
    case 'request':
      return undefined;
    case 'retry':
      return event.reason === 'throttled'
        ? undefined
        : `${event.detail} on GET ${pathOf(event.url)}; retrying (attempt ${event.attempt + 1})`;
    case 'throttled': {
      const wait = event.retryAfterMs === undefined ? '' : ` for ${(event.retryAfterMs / 1000).toFixed(1)} s (Retry-After)`;
      return `429 Too Many Requests on GET ${pathOf(event.url)}: slowing down${wait}; lower --rate if it persists`;
    }
    case 'limit':
      return `API requests in flight ${event.from} → ${event.to} (${LIMIT_REASONS[event.reason]})`;
    case 'repeated-cursor':
      return `the API repeated a next_url cursor on GET ${pathOf(event.url)}: pagination stopped there (the pages before it are kept)`;
  }
}

const LIMIT_REASONS = { throttled: 'throttled by the API', failure: 'failed requests', recovery: 'healthy again' } as const;

/** The path of a request's URL, decoded (`/v3/snapshot/options/I:SPX`), without its cursor. */
function pathOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return url;
  }
}
