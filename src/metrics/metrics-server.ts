/**
 * Serves optdb's metrics to Prometheus while a long command runs (`--metrics-listen`):
 * `GET /metrics` answers the registry's current exposition, so a poll that runs all day
 * or a long backfill can be scraped and alerted on, not only read from a file at the end.
 *
 * node:http is enough here: one read-only route, no body to parse, no middleware — a web
 * framework would add more than it saves. Bound to 127.0.0.1 unless a host is given, so
 * nothing is exposed beyond the machine by default.
 *
 * No request can stop the command it serves: whatever arrives — a request line no URL
 * parser accepts, oversized headers, a client that sends nothing — gets a 4xx or is
 * dropped on a short timeout, and the command goes on.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OptdbError } from '../errors.js';
import type { OptdbMetrics } from './optdb-metrics.js';

export const METRICS_PATH = '/metrics';
const DEFAULT_HOST = '127.0.0.1';
// A scraper sends its request at once; anything slower is not a scraper.
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;
const MAX_HEADER_BYTES = 8 * 1024;

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface MetricsServer {
  /** Where the metrics are, e.g. http://127.0.0.1:9464/metrics (the real port when 0 was asked). */
  readonly url: string;
  close(): Promise<void>;
}

/** `9464`, `:9464`, `0.0.0.0:9464`, `localhost:9464` or `[::1]:9464`; port 0 picks a free one. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)?:)?(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port > 65_535) return undefined;
  const host = match[1]?.replace(/^\[(.*)\]$/, '$1') ?? DEFAULT_HOST;
  return { host, port };
}

export async function serveMetrics(metrics: OptdbMetrics, address: ListenAddress): Promise<MetricsServer> {
  const server = http.createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    (request, response) => {
      answer(metrics, request, response).catch(() => response.destroy());
    },
  );
  // A request node:http cannot parse (bad request line, headers too large): 400 or 431,
  // then the connection is closed; a socket error is that client's only.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new OptdbError(
          'CONFIG_INVALID',
          `Cannot serve metrics on ${hostPort(address.host, address.port)}: ${error.code ?? error.message}.`,
          {
            remedy:
              error.code === 'EADDRINUSE'
                ? 'Another process holds that port: choose another one (0 picks a free port).'
                : 'Check the host and port given to --metrics-listen.',
            cause: error,
          },
        ),
      );
    });
    server.listen(address.port, address.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostPort(address.host, port)}${METRICS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        // A scraper's keep-alive connection would otherwise hold the server open.
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(metrics: OptdbMetrics, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const path = pathOf(request.url);
  if (path === undefined) {
    response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('Bad request: the request target is not a path\n');
    return;
  }
  if (path !== METRICS_PATH) {
    response
      .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      .end(`Not found: optdb serves its metrics at ${METRICS_PATH}\n`);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response
      .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
      .end(`${request.method} is not allowed on ${METRICS_PATH}\n`);
    return;
  }
  try {
    const body = await metrics.exposition();
    response.writeHead(200, { 'content-type': metrics.registry.contentType });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch (error) {
    response
      .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
      .end(`Metrics could not be collected: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/** The path of a request target, or undefined when it is not one (`http://[x/metrics`). */
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://optdb').pathname;
  } catch {
    return undefined;
  }
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
