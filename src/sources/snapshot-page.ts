/**
 * What tells a Polygon snapshot response page from one of its results, and what a page
 * without results means. A page is `{ status, request_id, results, next_url }`; a
 * result never has these keys.
 */
import type { JsonObject, JsonValue } from '../domain/json-value.js';

/** Keys that mark a response page (a result object never has them). */
const PAGE_KEYS = ['results', 'status', 'request_id', 'next_url'] as const;

/** Statuses of a page that carries data (DELAYED: plans with delayed data). */
const DATA_STATUSES = new Set(['OK', 'DELAYED']);

/** A response `status` that comes with data (DELAYED: data older than real time on some plans). */
export function isDataStatus(status: unknown): boolean {
  return typeof status === 'string' && DATA_STATUSES.has(status);
}

export function isPageKey(key: string): boolean {
  return (PAGE_KEYS as readonly string[]).includes(key);
}

export function isPage(value: JsonObject): boolean {
  return PAGE_KEYS.some((key) => Object.hasOwn(value, key));
}

/**
 * Why a page without results holds no data, when that is an error worth reporting
 * (`{"status":"ERROR","error":"Unknown API Key"}`); undefined for an empty, healthy page.
 */
export function pageProblem(page: JsonObject): string | undefined {
  const status = page['status'];
  if (status === undefined || isDataStatus(status)) return undefined;
  const detail = page['error'] ?? page['message'];
  const statusText = typeof status === 'string' ? status : JSON.stringify(status);
  return `response status ${statusText}${typeof detail === 'string' ? `: ${detail}` : ''}, no results`;
}

/** The results of a parsed page: its array's elements, or the one object of a single-contract snapshot. */
export function pageResults(page: JsonObject): JsonValue[] | undefined {
  const results = page['results'];
  if (results === undefined || results === null) return undefined;
  return Array.isArray(results) ? results : [results];
}
