/**
 * A Polygon (Massive) REST API for tests: a real node:http server on 127.0.0.1 that
 * answers the option-chain snapshot, the single-contract snapshot and the contracts
 * reference in the format Polygon documents, from the fixtures a test gives it —
 * paginated by `limit` (endpoint maximum enforced) with an opaque `cursor` and an
 * absolute `next_url` that does not carry the key, as the real API does.
 *
 * It checks `Authorization: Bearer <key>` (or `?apiKey=`, which the real API also takes)
 * and answers 401 with Polygon's error body otherwise. It records every request, and a
 * test scripts faults per path: `script(path, ...faults)` — each fault answers one of
 * the next requests to that path, in order.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { ReferenceContract } from './polygon-fixtures.js';
import { freePort } from './ports.js';

export type Fault =
  /** Answer normally (to let a request through before the next fault). */
  | { kind: 'ok' }
  /** This HTTP status with the body the real API (or its proxy, for 502/503/504) sends, after `delayMs` (default 0). */
  | { kind: 'status'; status: number; retryAfter?: string; delayMs?: number }
  /** The normal answer, after `delayMs`. */
  | { kind: 'slow'; delayMs: number }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** The normal answer's headers and half its body, then the connection closes. */
  | { kind: 'truncated' }
  /** The connection closes before any answer. */
  | { kind: 'reset' }
  /** HTTP 200 JSON whose `results` is neither an array nor an object. */
  | { kind: 'bad-shape' }
  /** The normal page, but its next_url points back at this very request (its own cursor). */
  | { kind: 'repeat-cursor' };

export interface RecordedRequest {
  readonly method: string;
  /** The path with each segment decoded: `/v3/snapshot/options/I:SPX`. */
  readonly path: string;
  /** The path as sent on the wire. */
  readonly rawPath: string;
  readonly query: Readonly<Record<string, string>>;
  readonly bearer: 'valid' | 'wrong' | 'missing';
  /** An `apiKey` query parameter was present (a client should never send one). */
  readonly keyInQuery: boolean;
  /** performance.now() when the request arrived. */
  readonly receivedAt: number;
  readonly fault: Fault['kind'] | undefined;
}

export interface PolygonServerOptions {
  readonly apiKey: string;
  /** Chain snapshot results per underlying (`AAPL`, `I:SPX`), each result's JSON text. */
  readonly chains?: Readonly<Record<string, readonly string[]>>;
  readonly contracts?: readonly ReferenceContract[];
  /** `as_of` when a contracts request gives none (YYYY-MM-DD; default: today, UTC). */
  readonly today?: string;
}

const MAX_LIMIT = { snapshot: 250, contracts: 1000 } as const;
const DEFAULT_LIMIT = 10;

interface Exchange {
  readonly url: URL;
  readonly path: string;
  readonly fault: Fault | undefined;
  readonly res: http.ServerResponse;
}

/** What an endpoint answers: a status and a JSON body. */
interface Answer {
  readonly status: number;
  readonly body: string;
}

export class PolygonServer {
  readonly requests: RecordedRequest[] = [];
  private readonly faults = new Map<string, Fault[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tickers = new Map<string, Map<string, string>>();

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
    private readonly options: PolygonServerOptions,
  ) {
    for (const [underlying, results] of Object.entries(options.chains ?? {})) {
      this.tickers.set(
        underlying,
        new Map(results.map((text) => [(JSON.parse(text) as { details: { ticker: string } }).details.ticker, text])),
      );
    }
  }

  static async start(options: PolygonServerOptions): Promise<PolygonServer> {
    const port = await freePort();
    const server = http.createServer();
    const polygon = new PolygonServer(server, `http://127.0.0.1:${port}`, options);
    server.on('request', (req, res) => polygon.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return polygon;
  }

  /** The next requests to `path` (decoded, e.g. `/v3/snapshot/options/I:SPX`) meet these faults, one each. */
  script(path: string, ...faults: Fault[]): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...faults]);
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const path = url.pathname.split('/').map(decodeSegment).join('/');
    const authorization = req.headers.authorization;
    const bearer = authorization === undefined ? 'missing' : authorization === `Bearer ${this.options.apiKey}` ? 'valid' : 'wrong';
    const queryKey = [...url.searchParams].find(([name]) => name.toLowerCase() === 'apikey')?.[1];
    const authorized = bearer === 'valid' || (bearer === 'missing' && queryKey === this.options.apiKey);
    const fault = authorized ? this.faults.get(path)?.shift() : undefined;
    this.requests.push({
      method: req.method ?? '',
      path,
      rawPath: url.pathname,
      query: Object.fromEntries(url.searchParams),
      bearer,
      keyInQuery: queryKey !== undefined,
      receivedAt: performance.now(),
      fault: fault?.kind,
    });
    if (!authorized) {
      const said = bearer === 'missing' && queryKey === undefined ? 'API Key was not provided' : 'Unknown API Key';
      return send(res, { status: 401, body: errorBody('ERROR', 'error', said) });
    }
    this.answerWithFault({ url, path, fault, res });
  }

  private answerWithFault(exchange: Exchange): void {
    const { fault, res } = exchange;
    switch (fault?.kind) {
      case undefined:
      case 'ok':
      case 'repeat-cursor':
        return send(res, this.answer(exchange));
      case 'status':
        return this.later(
          res,
          fault.delayMs ?? 0,
          () => statusAnswer(fault.status),
          fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter },
        );
      case 'slow':
        return this.later(res, fault.delayMs, () => this.answer(exchange));
      case 'malformed':
        return send(res, { status: 200, body: `{"status":"OK","request_id":"${requestId()}","results":[{"details":{"ticker":` });
      case 'bad-shape':
        return send(res, { status: 200, body: `{"status":"OK","request_id":"${requestId()}","results":"none"}` });
      case 'truncated': {
        const body = Buffer.from(this.answer(exchange).body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
        return;
      }
      case 'reset':
        res.socket?.destroy();
        return;
    }
  }

  /** Sends `answer()` after `delayMs`, unless the client has gone by then. */
  private later(res: http.ServerResponse, delayMs: number, answer: () => Answer, headers: http.OutgoingHttpHeaders = {}): void {
    if (delayMs <= 0) return send(res, answer(), headers);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!res.destroyed) send(res, answer(), headers);
    }, delayMs);
    this.timers.add(timer);
    res.on('close', () => clearTimeout(timer));
  }

  private answer({ url, path, fault }: Exchange): Answer {
    const segments = path.split('/').slice(1);
    const repeat = fault?.kind === 'repeat-cursor';
    if (segments[0] === 'v3' && segments[1] === 'snapshot' && segments[2] === 'options' && segments.length === 4) {
      const results = this.options.chains?.[segments[3]!];
      if (!results) return notFound();
      return this.page(url, results, MAX_LIMIT.snapshot, repeat);
    }
    if (segments[0] === 'v3' && segments[1] === 'snapshot' && segments[2] === 'options' && segments.length === 5) {
      const result = this.tickers.get(segments[3]!)?.get(segments[4]!);
      if (!result) return notFound();
      return { status: 200, body: `{"results":${result},"status":"OK","request_id":"${requestId()}"}` };
    }
    if (path === '/v3/reference/options/contracts') {
      return this.page(url, (params) => this.contracts(params), MAX_LIMIT.contracts, repeat);
    }
    return notFound();
  }

  /**
   * One page of `all`. The first request's parameters (filters, limit) travel inside the
   * cursor, as with the real API, whose next_url carries only `cursor`.
   */
  private page(url: URL, all: readonly string[] | ((params: Record<string, string>) => string[]), max: number, repeat: boolean): Answer {
    const cursorText = url.searchParams.get('cursor');
    let cursor: Cursor;
    if (cursorText !== null) {
      const decoded = decodeCursor(cursorText);
      if (!decoded) return { status: 400, body: errorBody('ERROR', 'error', 'Invalid cursor') };
      cursor = decoded;
    } else {
      const params = Object.fromEntries([...url.searchParams].filter(([name]) => name !== 'limit' && name.toLowerCase() !== 'apikey'));
      const limit = Number(url.searchParams.get('limit') ?? DEFAULT_LIMIT);
      if (!Number.isInteger(limit) || limit < 1 || limit > max)
        return { status: 400, body: errorBody('ERROR', 'error', `limit must be between 1 and ${max}`) };
      cursor = { offset: 0, limit, params };
    }
    const results = typeof all === 'function' ? all(cursor.params) : all;
    const next = cursor.offset + cursor.limit;
    let nextUrl: string | undefined;
    if (repeat) nextUrl = cursorText === null ? url.href : `${this.baseUrl}${url.pathname}?cursor=${cursorText}`;
    else if (next < results.length) nextUrl = `${this.baseUrl}${url.pathname}?cursor=${encodeCursor({ ...cursor, offset: next })}`;
    const page = results.slice(cursor.offset, next);
    const nextPart = nextUrl === undefined ? '' : `,"next_url":${JSON.stringify(nextUrl)}`;
    return { status: 200, body: `{"results":[${page.join(',')}],"status":"OK","request_id":"${requestId()}"${nextPart}}` };
  }

  /** The contracts reference: by underlying and type; `expired` as of `as_of` (default today). */
  private contracts(params: Record<string, string>): string[] {
    const asOf = params['as_of'] ?? this.options.today ?? new Date().toISOString().slice(0, 10);
    const expired = params['expired'] === 'true';
    return (this.options.contracts ?? [])
      .filter((contract) => params['underlying_ticker'] === undefined || contract.underlying_ticker === params['underlying_ticker'])
      .filter((contract) => params['contract_type'] === undefined || contract.contract_type === params['contract_type'])
      .filter((contract) => contract.expiration_date < asOf === expired)
      .map((contract) => JSON.stringify(contract));
  }
}

interface Cursor {
  readonly offset: number;
  readonly limit: number;
  readonly params: Record<string, string>;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a stray '%': keep it as sent
  }
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor | undefined {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    return Number.isInteger(cursor.offset) && Number.isInteger(cursor.limit) && typeof cursor.params === 'object' ? cursor : undefined;
  } catch {
    return undefined;
  }
}

function send(res: http.ServerResponse, answer: Answer, headers: http.OutgoingHttpHeaders = {}): void {
  const html = answer.body.startsWith('<');
  res.writeHead(answer.status, { 'content-type': html ? 'text/html' : 'application/json', ...headers });
  res.end(answer.body);
}

function requestId(): string {
  return randomBytes(16).toString('hex');
}

function errorBody(status: string, field: 'error' | 'message', text: string): string {
  return JSON.stringify({ status, request_id: requestId(), [field]: text });
}

function notFound(): Answer {
  return { status: 404, body: errorBody('NOT_FOUND', 'message', 'Data not found.') };
}

/** The bodies the real API sends with these statuses; 502–504 come from a proxy, as HTML. */
function statusAnswer(status: number): Answer {
  const reason = http.STATUS_CODES[status] ?? 'Error';
  switch (status) {
    case 401:
      return { status, body: errorBody('ERROR', 'error', 'Unknown API Key') };
    case 403:
      return {
        status,
        body: errorBody(
          'NOT_AUTHORIZED',
          'message',
          'You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing',
        ),
      };
    case 404:
      return notFound();
    case 429:
      return {
        status,
        body: errorBody(
          'ERROR',
          'error',
          "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing",
        ),
      };
    case 502:
    case 503:
    case 504:
      return {
        status,
        body: `<html><head><title>${status} ${reason}</title></head><body><center><h1>${status} ${reason}</h1></center></body></html>`,
      };
    default:
      return { status, body: errorBody('ERROR', 'error', reason) };
  }
}
