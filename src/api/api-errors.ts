/**
 * The one table of failed requests and what to do about each (every catch site asks
 * the table, none decides again on its own), and the translation of a final failure into an
 * OptdbError that names the cause.
 *
 * Retried, with less concurrency (request-limiter.ts explains the factors):
 * 429, 5xx, 408, timeouts, broken connections, and 200 answers whose body is not a page
 * (malformed JSON, truncated, wrong shape — a proxy's error page, a half-written answer).
 * Not retried: 401/403 (the key or the plan: no retry changes it), 404 (no such
 * underlying or contract), any other 4xx (the request itself is wrong).
 *
 * No message made here holds the key, even when a server echoes it back: every text is
 * masked with the literal key (withoutKey) before it reaches an error or an event.
 */
import { type OptdbErrorCode, OptdbError } from '../errors.js';
import { redactText, redactUrl } from '../redact.js';
import { API_KEY_VARIABLE } from './api-key.js';
import type { FailureKind, LimitReason } from './api-events.js';

export interface FailurePolicy {
  readonly retry: boolean;
  /** The concurrency is multiplied by this (AIMD decrease); undefined: unchanged. */
  readonly concurrencyFactor: number | undefined;
  readonly limitReason: LimitReason;
}

const retried = (concurrencyFactor: number, limitReason: LimitReason = 'failure'): FailurePolicy => ({
  retry: true,
  concurrencyFactor,
  limitReason,
});
const final: FailurePolicy = { retry: false, concurrencyFactor: undefined, limitReason: 'failure' };

export const FAILURE_POLICIES: Readonly<Record<FailureKind, FailurePolicy>> = Object.freeze({
  throttled: retried(0.5, 'throttled'),
  'server-error': retried(0.9),
  timeout: retried(0.9),
  network: retried(0.9),
  malformed: retried(0.9),
  unauthorized: final,
  forbidden: final,
  'not-found': final,
  rejected: final,
});

/** The failure an HTTP status means; undefined for success (2xx). */
export function failureForStatus(status: number): FailureKind | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 429) return 'throttled';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 408) return 'timeout';
  if (status >= 400 && status < 500) return 'rejected';
  return 'server-error'; // 5xx, and a 1xx/3xx that fetch did not resolve
}

/** One attempt failed (caught by the retry loop, never shown to a user as such). */
export class AttemptFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    /** What happened, for a person: the server's error text, the parse error, … (no key). */
    readonly detail: string,
    readonly status: number | undefined = undefined,
    readonly retryAfterMs: number | undefined = undefined,
    options: { cause?: unknown } = {},
  ) {
    super(`${status === undefined ? kind : `HTTP ${status}`}: ${detail}`, options);
    this.name = 'AttemptFailure';
  }

  /**
   * This failure with the key masked. A server may echo the header it was sent, and an
   * HTTP library's error may quote it; a cause that quotes the key is left out.
   */
  withoutKey(apiKey: string): AttemptFailure {
    if (apiKey === '') return this;
    const causeQuotes = causesQuote(this.cause, apiKey);
    if (!causeQuotes && !this.message.includes(apiKey)) return this;
    return new AttemptFailure(
      this.kind,
      withoutKey(this.detail, apiKey),
      this.status,
      this.retryAfterMs,
      causeQuotes ? {} : { cause: this.cause },
    );
  }
}

const KEY_MASK = '****';

/** The text with every occurrence of the key masked: messages hold text a server sent. */
export function withoutKey(text: string, apiKey: string): string {
  return apiKey === '' ? text : text.replaceAll(apiKey, KEY_MASK);
}

/** Whether an error's chain of causes quotes the key anywhere (a bounded walk). */
function causesQuote(cause: unknown, apiKey: string): boolean {
  for (let depth = 0; cause !== undefined && cause !== null && depth < 8; depth++) {
    const text = cause instanceof Error ? `${cause.message}\n${cause.stack ?? ''}` : String(cause);
    if (text.includes(apiKey)) return true;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return false;
}

/** A request that failed for good; `failure` and `status` say why. */
export class PolygonApiError extends OptdbError {
  constructor(
    code: OptdbErrorCode,
    message: string,
    readonly failure: FailureKind,
    readonly status: number | undefined,
    /** The request's URL (it never holds the key). */
    readonly url: string,
    readonly attempts: number,
    options: { remedy?: string; cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'PolygonApiError';
  }
}

/** Whether a failed request concerns every request alike (the key, the plan): no other underlying fares better. */
export function failsEveryRequest(error: unknown): boolean {
  return error instanceof PolygonApiError && error.code === 'CONFIG_INVALID';
}

/**
 * The error a caller sees. `subject` names what was asked for ("the option chain of
 * I:SPX"), so a 404 names the underlying.
 */
export function apiError(
  failure: AttemptFailure,
  request: { url: string; subject: string },
  attempts: number,
  apiKey: string,
): PolygonApiError {
  const url = redactUrl(withoutKey(request.url, apiKey));
  const cause = failure.withoutKey(apiKey);
  const detail = redactText(cause.detail);
  const where = `${request.subject} (GET ${url})`;
  // The subject is the caller's text, the detail the server's: the whole message is masked.
  const make = (code: OptdbErrorCode, message: string, remedy: string): PolygonApiError =>
    new PolygonApiError(code, withoutKey(message, apiKey), failure.kind, failure.status, url, attempts, { remedy, cause });
  switch (failure.kind) {
    case 'unauthorized':
      return make(
        'CONFIG_INVALID',
        `the API rejected the key (401: ${detail}) for ${where}: check ${API_KEY_VARIABLE}`,
        `Set ${API_KEY_VARIABLE} to the key on your Polygon.io (Massive) dashboard, without quotes or spaces.`,
      );
    case 'forbidden':
      return make(
        'CONFIG_INVALID',
        `403: your plan does not include this endpoint — ${where}: ${detail}`,
        'Option snapshots need a plan with options data; check what your plan includes, or upgrade it.',
      );
    case 'not-found':
      return make(
        'API_REQUEST_FAILED',
        `not found (404): ${where}: ${detail}`,
        'Check the ticker: index underlyings take the I: prefix (I:SPX), contracts the O: prefix (O:SPXW230712C04500000).',
      );
    case 'rejected':
      return make(
        'API_REQUEST_FAILED',
        `the API refused ${where} (${failure.status}: ${detail})`,
        'Check the request parameters against the API reference.',
      );
    default:
      return make(
        'API_REQUEST_FAILED',
        `${where} failed after ${attempts} attempt(s); the last: ${redactText(cause.message)}`,
        'The API kept failing (rate limits, server errors or timeouts): try again later, lower the request rate or concurrency, or raise the timeout.',
      );
  }
}
