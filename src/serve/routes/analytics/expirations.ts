/**
 * GET /v1/underlyings/{underlying}/expirations: each expiration's call and put volume and
 * open interest, their put/call ratios and its at-the-money implied volatility, as of a
 * time (the rules: sql/analytics/expirations.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { double, jsonBody, number, present } from '../../json-body.js';
import { asOf, underlyingTicker } from '../../parameters.js';
import type { RouteContext } from '../../route-context.js';
import { EXPIRATIONS, type ExpirationRow } from '../../sql/analytics/expirations.js';
import { anchorFields, readChain } from './chain-answer.js';

export function registerExpirations(app: FastifyInstance, context: RouteContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/underlyings/:underlying/expirations',
    {
      schema: {
        summary: 'Per expiration as of a time: put/call volume and open interest ratios, at-the-money implied volatility',
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
        results: rows.map((row) =>
          present({
            expiration_date: row.expiration_date,
            days_to_expiration: number(row.days_to_expiration),
            call_volume: number(row.call_volume),
            put_volume: number(row.put_volume),
            put_call_volume_ratio: number(row.put_call_volume_ratio),
            call_open_interest: number(row.call_open_interest),
            put_open_interest: number(row.put_open_interest),
            put_call_open_interest_ratio: number(row.put_call_open_interest_ratio),
            atm_strike: number(row.atm_strike),
            atm_implied_volatility: double(row.atm_implied_volatility),
          })!,
        ),
      });
    },
  );
}
