/**
 * GET /v1/underlyings/{underlying}/open-interest: open interest and volume by strike as of
 * a time, for one expiration or all of them summed, with the call wall, the put wall and
 * max pain (the rules: sql/analytics/open-interest.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jsonBody, number, present } from '../../json-body.js';
import { asOf, calendarDate, underlyingTicker } from '../../parameters.js';
import type { RouteContext } from '../../route-context.js';
import { openInterestStatement, type OpenInterestRow } from '../../sql/analytics/open-interest.js';
import { anchorFields, readChain } from './chain-answer.js';

export function registerOpenInterest(app: FastifyInstance, context: RouteContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/underlyings/:underlying/open-interest',
    {
      schema: {
        summary: 'Open interest and volume by strike as of a time, with the call and put walls and max pain',
        params: z.object({ underlying: underlyingTicker }),
        querystring: z.object({
          expiration_date: calendarDate.optional().describe('One expiration, YYYY-MM-DD (default: every expiration, summed by strike)'),
          as_of: asOf,
        }),
      },
    },
    async (request, reply) => {
      const { underlying } = request.params;
      const { expiration_date: expiration, as_of: asOfGiven } = request.query;
      const statement = openInterestStatement(expiration !== undefined);
      const rows = await readChain<OpenInterestRow>(
        context,
        underlying,
        asOfGiven,
        statement,
        expiration === undefined ? [] : [expiration],
      );
      const levels = rows[0];
      reply.type('application/json');
      return jsonBody({
        status: 'OK',
        request_id: request.id,
        ...anchorFields(rows),
        ...(expiration === undefined ? {} : { expiration_date: expiration }),
        ...(levels === undefined
          ? {}
          : present({ call_wall: number(levels.call_wall), put_wall: number(levels.put_wall), max_pain: number(levels.max_pain) })),
        results: rows.map((row) => ({
          strike_price: number(row.strike_price)!,
          call_open_interest: number(row.call_open_interest)!,
          put_open_interest: number(row.put_open_interest)!,
          call_volume: number(row.call_volume)!,
          put_volume: number(row.put_volume)!,
        })),
      });
    },
  );
}
