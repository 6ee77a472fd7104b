/**
 * GET /v2/aggs/ticker/{optionsTicker}/range/1/day/{from}/{to}: a contract's stored day
 * bars, in Polygon's aggregates shape (`o h l c v n`, `t` the day's start in New York as
 * Unix milliseconds). optdb stores no volume-weighted price for a day bar: `vw` is absent.
 * Only the 1-day range is served: other multipliers and timespans are not stored.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newYorkMidnightNs } from '../../domain/new-york-time.js';
import { badRequest } from '../api-error.js';
import { jsonBody, number } from '../json-body.js';
import { calendarDate, limit, optionTicker, order } from '../parameters.js';
import type { RouteContext } from '../route-context.js';
import { dayAggsStatement } from '../sql/day-aggs.js';

export const AGGS_LIMIT = { max: 50_000, default: 5_000 };

interface DayAggRow {
  readonly day: string;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly transactions: string | null;
}

export function registerDayAggs(app: FastifyInstance, context: RouteContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v2/aggs/ticker/:optionsTicker/range/1/day/:from/:to',
    {
      schema: {
        summary: "A contract's day bars",
        params: z.object({ optionsTicker: optionTicker, from: calendarDate, to: calendarDate }),
        querystring: z.object({
          sort: order,
          limit: limit(AGGS_LIMIT.max, AGGS_LIMIT.default),
          adjusted: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
        }),
      },
    },
    async (request, reply) => {
      const { optionsTicker, from, to } = request.params;
      if (from > to) throw badRequest(`from (${from}) is after to (${to})`);
      const { sort = 'asc', limit: max } = request.query;
      const rows = await context.read((read) => read<DayAggRow>(dayAggsStatement(sort), [optionsTicker, from, to, max]));
      const results = rows.map((row) => ({
        c: number(row.close)!,
        h: number(row.high)!,
        l: number(row.low)!,
        ...(row.transactions === null ? {} : { n: number(row.transactions)! }),
        o: number(row.open)!,
        t: Number(newYorkMidnightNs(row.day) / 1_000_000n),
        v: number(row.volume)!,
      }));
      reply.type('application/json');
      return jsonBody({
        ticker: optionsTicker,
        queryCount: results.length,
        resultsCount: results.length,
        adjusted: true,
        results,
        status: 'OK',
        request_id: request.id,
        count: results.length,
      });
    },
  );
}
