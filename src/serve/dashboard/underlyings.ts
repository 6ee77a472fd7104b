/**
 * What there is to choose from: GET /v1/underlyings (each stored underlying, its
 * contracts and its newest capture) and GET /v1/underlyings/{underlying}/captures (its
 * capture times, newest first, with the snapshots each holds).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jsonBody, number, present } from '../json-body.js';
import { limit, underlyingTicker } from '../parameters.js';
import type { RouteContext } from '../route-context.js';
import { rfc3339 } from '../rfc3339.js';
import { CAPTURES, UNDERLYINGS } from './sql/underlyings.js';

export const CAPTURES_LIMIT = { max: 1000, default: 100 };

export interface UnderlyingRow {
  readonly underlying_ticker: string;
  readonly contracts: string;
  readonly newest_capture: string | null;
}

export function underlyingResult(row: UnderlyingRow) {
  return present({
    underlying_ticker: row.underlying_ticker,
    contracts: number(row.contracts),
    newest_capture: row.newest_capture === null ? undefined : rfc3339(row.newest_capture),
  })!;
}

export function registerUnderlyings(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/v1/underlyings',
    { schema: { summary: 'The stored underlyings, their contracts and newest capture' } },
    async (request, reply) => {
      const rows = await context.read((read) => read<UnderlyingRow>(UNDERLYINGS, []));
      reply.type('application/json');
      return jsonBody({ status: 'OK', request_id: request.id, results: rows.map(underlyingResult) });
    },
  );
  routes.get(
    '/v1/underlyings/:underlying/captures',
    {
      schema: {
        summary: "An underlying's capture times, newest first, with the snapshots each holds",
        params: z.object({ underlying: underlyingTicker }),
        querystring: z.object({ limit: limit(CAPTURES_LIMIT.max, CAPTURES_LIMIT.default) }),
      },
    },
    async (request, reply) => {
      const rows = await context.read((read) =>
        read<{ captured_at: string; snapshots: string }>(CAPTURES, [request.params.underlying, request.query.limit]),
      );
      reply.type('application/json');
      return jsonBody({
        status: 'OK',
        request_id: request.id,
        results: rows.map((row) => ({ captured_at: rfc3339(row.captured_at), snapshots: number(row.snapshots)! })),
      });
    },
  );
}
