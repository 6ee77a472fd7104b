/**
 * GET /v1/underlyings/{underlying}/term-structure: the at-the-money implied volatility of
 * each expiration as of a time (the rule: sql/analytics/expirations.ts). An expiration
 * with no implied volatility stored has no point on the curve and is left out.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { double, jsonBody, number } from '../../json-body.js';
import { asOf, underlyingTicker } from '../../parameters.js';
import type { RouteContext } from '../../route-context.js';
import { EXPIRATIONS, type ExpirationRow } from '../../sql/analytics/expirations.js';
import { anchorFields, readChain } from './chain-answer.js';

export function registerTermStructure(app: FastifyInstance, context: RouteContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/underlyings/:underlying/term-structure',
    {
      schema: {
        summary: 'The term structure as of a time: at-the-money implied volatility by expiration',
        params: z.object({ underlying: underlyingTicker }),
        querystring: z.object({ as_of: asOf }),
      },
    },
    async (request, reply) => {
      const { underlying } = request.params;
      const rows = await readChain<ExpirationRow>(context, underlying, request.query.as_of, EXPIRATIONS);
      reply.type('application/json');
      return jsonBody({
        status: 'OK',
        request_id: request.id,
        ...anchorFields(rows),
        results: rows
          .filter((row) => row.atm_implied_volatility !== null)
          .map((row) => ({
            expiration_date: row.expiration_date,
            days_to_expiration: number(row.days_to_expiration)!,
            atm_strike: number(row.atm_strike)!,
            atm_implied_volatility: double(row.atm_implied_volatility)!,
          })),
      });
    },
  );
}
