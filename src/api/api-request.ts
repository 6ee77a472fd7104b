/**
 * One HTTP request to the API: the key as an `Authorization: Bearer` header (never in
 * the URL), a timeout over the whole exchange (sending to the last body byte), and any
 * failure turned into an AttemptFailure of the kind api-errors.ts has a policy for.
 */
import { StopSignal } from '../stop-signal.js';
import { AttemptFailure, failureForStatus } from './api-errors.js';

export interface RequestSettings {
  readonly apiKey: string;
  readonly timeoutMs: number;
  /** The caller's cancellation (shutdown): it ends the request and is not retried. */
  readonly signal: AbortSignal | undefined;
}

export interface Answer {
  readonly status: number;
  readonly text: string;
}

const DETAIL_LENGTH = 200;
/**
 * The most a body may hold: a full page (250 chain results, 1,000 contracts) is well under
 * a megabyte. A body past this is not a page; reading stops there, so no answer can grow
 * memory without bound.
 */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Of an error's body only the start is shown. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The 2xx answer's body, or an AttemptFailure; the caller's own abort is rethrown as it is. */
export async function sendRequest(url: URL, settings: RequestSettings): Promise<Answer> {
  // The request's own stop: the caller's, or the timeout's, whose timer ends with the
  // request (AbortSignal.timeout's would stay armed, and referenced, for its full span).
  const stop = new StopSignal(settings.signal);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.stop(new DOMException('The request timed out', 'TimeoutError'));
  }, settings.timeoutMs);
  let status: number | undefined;
  try {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${settings.apiKey}`, accept: 'application/json' },
      signal: stop.signal,
    });
    status = response.status;
    const failure = failureForStatus(response.status);
    if (failure === undefined) {
      const text = await bodyText(response, MAX_BODY_BYTES);
      if (text === undefined) throw new AttemptFailure('malformed', `a body of more than ${MAX_BODY_BYTES} bytes is not a page`, status);
      return { status, text };
    }
    const detail = await errorDetail(response);
    throw new AttemptFailure(failure, detail, status, retryAfterMs(response.headers.get('retry-after')));
  } catch (error) {
    if (error instanceof AttemptFailure) throw error;
    if (settings.signal?.aborted) throw settings.signal.reason;
    const during = status === undefined ? 'before an answer' : `reading the HTTP ${status} body`;
    if (timedOut)
      throw new AttemptFailure('timeout', `no complete answer within ${settings.timeoutMs} ms (${during})`, status, undefined, {
        cause: error,
      });
    throw new AttemptFailure('network', `${networkReason(error)} (${during})`, status, undefined, { cause: error });
  } finally {
    clearTimeout(timer);
    stop.release();
  }
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3);
 * undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  const text = header?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The API's own words (`error` or `message` of its JSON body), else the start of the body. */
async function errorDetail(response: Response): Promise<string> {
  let text: string;
  try {
    text = (await bodyText(response, MAX_ERROR_BODY_BYTES, 'cut')) ?? '';
  } catch {
    return response.statusText || 'no body';
  }
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const said = body.error ?? body.message;
    if (typeof said === 'string' && said) return said.slice(0, DETAIL_LENGTH);
  } catch {
    // not JSON: a proxy's HTML page, plain text
  }
  // Only the start is shown: cut before any pattern runs over a body of any size.
  const compact = text
    .slice(0, DETAIL_LENGTH * 4)
    .replace(/<[^<>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return compact.slice(0, DETAIL_LENGTH) || response.statusText || 'no body';
}

/**
 * The body as text, read up to `limit` bytes: past it, undefined — or with 'cut', the
 * text so far. The rest is not read (the stream is cancelled).
 */
async function bodyText(response: Response, limit: number, over: 'fail' | 'cut' = 'fail'): Promise<string | undefined> {
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      bytes += value.byteLength;
      if (bytes > limit)
        return over === 'cut' ? text + decoder.decode(value.subarray(0, Math.max(0, value.byteLength - (bytes - limit)))) : undefined;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** "ECONNRESET", "ECONNREFUSED", "terminated"…: undici puts the system error in `cause`. */
function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const causeMessage = typeof cause?.message === 'string' ? cause.message : undefined;
  return [error.message, code ?? causeMessage].filter(Boolean).join(': ');
}
