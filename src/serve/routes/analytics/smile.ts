/** GET /v1/underlyings/{underlying}/smile: one expiration's implied volatility by strike and by delta, as of a time. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { double, jsonBody, number, present } from '../../json-body.js';
import { asOf, calendarDate, underlyingTicker } from '../../parameters.js';
import type { RouteContext } from '../../route-context.js';
import { SMILE, type SmileRow } from '../../sql/analytics/smile.js';
import { anchorFields, readChain } from './chain-answer.js';

export function registerSmile(app: FastifyInstance, context: RouteContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/underlyings/:underlying/smile',
    {
      schema: {
        summary: "One expiration's smile as of a time: each call's and put's implied volatility and delta, by strike",
        params: z.object({ underlying: underlyingTicker }),
        querystring: z.object({ expiration_date: calendarDate, as_of: asOf }),
      },
    },
    async (request, reply) => {
      const { underlying } = request.params;
      const { expiration_date: expiration, as_of: asOfGiven } = request.query;
      const rows = await readChain<SmileRow>(context, underlying, asOfGiven, SMILE, [expiration]);
      reply.type('application/json');
      return jsonBody({
        status: 'OK',
        request_id: request.id,
        ...anchorFields(rows),
        expiration_date: expiration,
        // A row without a contract carries only the anchor (sql/analytics/smile.ts).
        results: rows.flatMap((row) =>
          row.ticker === null
            ? []
            : [
                present({
                  strike_price: number(row.strike_price),
                  contract_type: row.contract_type ?? undefined,
                  ticker: row.ticker,
                  delta: double(row.delta),
                  implied_volatility: double(row.implied_volatility),
                })!,
              ],
        ),
      });
    },
  );
}
