/**
 * One answer of the API as a page: `{ status, request_id, results, next_url? }`, parsed
 * so that 19-digit nanosecond timestamps keep every digit (numbers arrive as
 * LosslessNumber, which optdb's validation reads as they are; see json-parser.ts).
 *
 * A body that is not such a page — malformed or truncated JSON, `status` other than
 * OK/DELAYED, `results` of the wrong type, an unreadable next_url — is a failed attempt
 * ('malformed'), retried like a 5xx: it is what a proxy's error page or a half-sent
 * answer looks like. An absent `results` is an empty page (the API leaves it out when
 * nothing matches).
 */
import { isJsonObject, type JsonValue } from '../domain/json-value.js';
import { parseJson } from '../sources/json-parser.js';
import { isDataStatus } from '../sources/snapshot-page.js';
import { AttemptFailure } from './api-errors.js';

/** What the client yields: one page, whole. */
export interface ApiPage {
  /** The page's results, as the API wrote them (numbers as LosslessNumber). */
  readonly results: JsonValue[];
  readonly requestId: string | undefined;
  /** The URL this page was read from (it never holds the key). */
  readonly url: string;
}

export interface ReadPage extends ApiPage {
  /** The next page's URL, ready to request; undefined on the last page. */
  readonly next: URL | undefined;
}

/** 'list': `results` is an array (chain, contracts); 'single': one object (one contract's snapshot). */
export type PageShape = 'list' | 'single';

export function readPage(text: string, shape: PageShape, url: string, baseUrl: string): ReadPage {
  let body: JsonValue;
  try {
    body = parseJson(text);
  } catch (error) {
    throw new AttemptFailure('malformed', `the body is not JSON (${(error as Error).message}; ${text.length} bytes)`, 200, undefined, {
      cause: error,
    });
  }
  if (!isJsonObject(body)) throw malformed('the body is not a JSON object');
  const status = body['status'];
  if (!isDataStatus(status)) throw malformed(`status is ${JSON.stringify(status) ?? 'missing'}, expected OK or DELAYED`);
  const requestId = body['request_id'];
  const nextUrl = body['next_url'];
  if (nextUrl !== undefined && nextUrl !== null && typeof nextUrl !== 'string') throw malformed('next_url is not a string');
  return {
    results: results(body['results'], shape),
    requestId: typeof requestId === 'string' ? requestId : undefined,
    url,
    next: typeof nextUrl === 'string' && nextUrl !== '' ? nextPageUrl(nextUrl, baseUrl) : undefined,
  };
}

function results(value: JsonValue | undefined, shape: PageShape): JsonValue[] {
  if (shape === 'single') {
    if (!isJsonObject(value)) throw malformed('results is not an object');
    return [value];
  }
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw malformed('results is not an array');
  return value;
}

/**
 * The URL to request for a next_url. The key is never added to it (it travels in a
 * header), and one the API included is dropped. A next_url on another host is read
 * against the base URL's host: the key only ever goes where the user pointed optdb.
 */
function nextPageUrl(nextUrl: string, baseUrl: string): URL {
  const base = new URL(baseUrl);
  let next: URL;
  try {
    next = new URL(nextUrl, base);
  } catch {
    throw malformed('next_url is not a URL');
  }
  if (next.origin !== base.origin) next = new URL(`${next.pathname}${next.search}`, base.origin);
  for (const name of [...next.searchParams.keys()]) {
    if (name.toLowerCase() === 'apikey') next.searchParams.delete(name);
  }
  return next;
}

/** What identifies a page for repeat detection: its `cursor`, or the whole URL without one. */
export function pageKey(url: URL): string {
  return url.searchParams.get('cursor') ?? url.href;
}

function malformed(detail: string): AttemptFailure {
  return new AttemptFailure('malformed', `not a page: ${detail}`, 200);
}
