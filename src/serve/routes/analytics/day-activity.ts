/**
 * GET /v1/most-active and GET /v1/unusual-volume: the contracts of one day (New York)
 * ranked by volume, and those whose volume is unusual next to their open interest (the
 * rules: sql/analytics/day-activity.ts), across all underlyings or one.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newYorkDate } from '../../../domain/timestamp.js';
import { asOfBound, sinceBound } from '../../as-of.js';
import { double, jsonBody, number, present } from '../../json-body.js';
import { calendarDate, limit, underlyingTicker } from '../../parameters.js';
import type { ReadQuery } from '../../read-only.js';
import type { RouteContext } from '../../route-context.js';
import { rfc3339 } from '../../rfc3339.js';
import {
  dayActivityStatement,
  type DayActivityRow,
  NEWEST_CAPTURE_BOUND,
  type Ranking,
  UNUSUAL_VOLUME,
} from '../../sql/analytics/day-activity.js';
import { NEWEST_BOUND } from '../../sql/snapshots.js';

export const DAY_ACTIVITY_LIMIT = { max: 1000, default: 25 };

const ENDPOINTS: readonly { path: string; ranking: Ranking; summary: string }[] = [
  { path: '/v1/most-active', ranking: 'mostActive', summary: "A day's most traded contracts, by volume" },
  {
    path: '/v1/unusual-volume',
    ranking: 'unusualVolume',
    summary: `A day's contracts with unusual volume: at least ${UNUSUAL_VOLUME.minimumVolume} contracts and ${UNUSUAL_VOLUME.toOpenInterest} × open interest`,
  },
];

const query = z.object({
  date: calendarDate.optional().describe('The trading day, YYYY-MM-DD in New York (default: the day of the newest capture)'),
  underlying: underlyingTicker.optional().describe("One underlying's contracts (default: every underlying's)"),
  limit: limit(DAY_ACTIVITY_LIMIT.max, DAY_ACTIVITY_LIMIT.default),
});

export function registerDayActivity(app: FastifyInstance, context: RouteContext): void {
  for (const { path, ranking, summary } of ENDPOINTS) {
    app.withTypeProvider<ZodTypeProvider>().get(path, { schema: { summary, querystring: query } }, async (request, reply) => {
      const { underlying, limit: most } = request.query;
      const answer = await context.read(async (read) => {
        const day = request.query.date ?? (await newestDay(read, underlying));
        if (day === undefined) return { day, rows: [] };
        const values = [
          sinceBound(day).toString(),
          asOfBound(day).toString(),
          day,
          most,
          ...(underlying === undefined ? [] : [underlying]),
        ];
        return { day, rows: await read<DayActivityRow>(dayActivityStatement(ranking, underlying !== undefined), values) };
      });
      reply.type('application/json');
      return jsonBody({
        status: 'OK',
        request_id: request.id,
        ...(answer.day === undefined ? {} : { date: answer.day }),
        results: answer.rows.map((row) =>
          present({
            ticker: row.ticker,
            underlying_ticker: row.underlying_ticker,
            contract_type: row.contract_type,
            expiration_date: row.expiration_date,
            strike_price: number(row.strike_price),
            volume: number(row.volume),
            open_interest: number(row.open_interest),
            volume_to_open_interest: number(row.volume_to_open_interest),
            implied_volatility: double(row.implied_volatility),
            last_price: number(row.last_price),
            captured_at: rfc3339(row.captured_at),
          })!,
        ),
      });
    });
  }
}

/** The New York day of the newest capture (of the underlying's contracts when one is given); undefined when none is stored. */
async function newestDay(read: ReadQuery, underlying: string | undefined): Promise<string | undefined> {
  const [row] =
    underlying === undefined
      ? await read<{ bound: string | null }>(NEWEST_CAPTURE_BOUND, [])
      : await read<{ bound: string | null }>(NEWEST_BOUND, [underlying]);
  const bound = row?.bound ?? undefined;
  return bound === undefined ? undefined : newYorkDate((BigInt(bound) - 1n) * 1000n);
}
