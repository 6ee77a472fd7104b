/**
 * GET /v1/events: server-sent events announcing new snapshots. One check per server
 * (not per page) asks the database every few seconds for the newest write, and each page
 * that listens gets an `ingest` event when it changed — and once when it connects, so it
 * knows where it stands. The check runs only while a page listens; closing the server
 * ends the streams, so they never hold its shutdown.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { jsonBody } from '../json-body.js';
import type { RouteContext } from '../route-context.js';
import { rfc3339 } from '../rfc3339.js';
import { NEWEST_WRITE } from './sql/newest-write.js';

export const CHECK_EVERY_MS = 2_000;
// A comment line now and then keeps proxies from closing a stream that has been quiet.
const KEEPALIVE_EVERY_MS = 15_000;

export function registerCaptureEvents(app: FastifyInstance, context: RouteContext, onError: ((error: Error) => void) | undefined): void {
  const listeners = new Set<PassThrough>();
  let last: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let sinceKeepalive = 0;
  let failing = false;
  let closed = false;

  const check = async () => {
    try {
      const [row] = await context.read((read) => read<{ captured_at: string | null; writes: string }>(NEWEST_WRITE, []));
      const event = jsonBody({ captured_at: row?.captured_at == null ? '' : rfc3339(row.captured_at), writes: row?.writes ?? '0' });
      if (event !== last) {
        last = event;
        for (const stream of listeners) stream.write(`event: ingest\ndata: ${event}\n\n`);
      } else if ((sinceKeepalive += CHECK_EVERY_MS) >= KEEPALIVE_EVERY_MS) {
        sinceKeepalive = 0;
        for (const stream of listeners) stream.write(': keepalive\n\n');
      }
      failing = false;
    } catch (error) {
      // A busy or restarting database: the pages keep what they show, the next check tries
      // again, and the operator reads of it once, not every few seconds.
      if (!failing && !closed) onError?.(error instanceof Error ? error : new Error(String(error)));
      failing = true;
    } finally {
      timer = listeners.size > 0 && !closed ? setTimeout(check, CHECK_EVERY_MS) : undefined;
    }
  };

  app.get('/v1/events', { schema: { summary: 'Server-sent events: `ingest` when new snapshots landed' } }, async (request, reply) => {
    const stream = new PassThrough();
    listeners.add(stream);
    request.raw.once('close', () => {
      listeners.delete(stream);
      stream.end();
    });
    // The page compares each event with the one before: it gets the newest write at once.
    if (timer === undefined) {
      last = undefined;
      timer = setTimeout(check, 0);
    } else if (last !== undefined) {
      stream.write(`event: ingest\ndata: ${last}\n\n`);
    }
    reply.header('cache-control', 'no-store').type('text/event-stream');
    return reply.send(stream);
  });

  app.addHook('preClose', async () => {
    closed = true;
    clearTimeout(timer);
    timer = undefined;
    for (const stream of listeners) stream.end();
    listeners.clear();
  });
}
