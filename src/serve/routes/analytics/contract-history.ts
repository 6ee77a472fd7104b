/**
 * GET /v1/contracts/{optionContract}/history: one contract's snapshots between `from` and
 * `to`, oldest first — price, quote, implied volatility, greeks, open interest, volume and
 * the underlying's price at each capture. A page that is not the last carries `next_url`,
 * whose signed cursor continues after the page's last capture.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError, badRequest } from '../../api-error.js';
import { asOfBound, BEYOND_STORED, sinceBound } from '../../as-of.js';
import { continued } from '../../contract-page.js';
import { double, jsonBody, number, present } from '../../json-body.js';
import { cursor, dayOrInstant, limit, optionTicker } from '../../parameters.js';
import type { RouteContext } from '../../route-context.js';
import { rfc3339 } from '../../rfc3339.js';
import { CONTRACT_EXISTS, CONTRACT_HISTORY, type HistoryRow } from '../../sql/analytics/contract-history.js';

const ROUTE = 'history';
export const HISTORY_LIMIT = { max: 50_000, default: 5_000 };

interface HistoryRequest {
  readonly route: typeof ROUTE;
  readonly ticker: string;
  /** The range in microseconds, as text: `since` included, `until` excluded. */
  readonly since: string;
  readonly until: string;
  readonly limit: number;
}

const query = z.object({
  from: dayOrInstant.optional().describe('The first capture: YYYY-MM-DD (from the start of that day in New York) or RFC 3339, included'),
  to: dayOrInstant.optional().describe('The last capture: YYYY-MM-DD (to the end of that day in New York) or RFC 3339, included'),
  limit: limit(HISTORY_LIMIT.max, HISTORY_LIMIT.default),
  cursor,
});

export function registerContractHistory(app: FastifyInstance, context: RouteContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/contracts/:optionContract/history',
    {
      schema: {
        summary: "One contract's snapshots over a time range: price, bid/ask, implied volatility, greeks, open interest, volume",
        params: z.object({ optionContract: optionTicker }),
        querystring: query,
      },
    },
    async (request, reply) => {
      const { optionContract } = request.params;
      const given = request.query;
      const page =
        given.cursor === undefined ? firstPage(optionContract, given) : continued<HistoryRequest>(context.cursors, given.cursor, ROUTE);
      if (page.ticker !== optionContract) throw badRequest(`cursor: it continues the history of ${page.ticker}, not ${optionContract}`);
      const rows = await context.read(async (read) => {
        const found = await read<HistoryRow>(CONTRACT_HISTORY, [page.ticker, page.since, page.until, page.limit + 1]);
        if (found.length === 0 && (await read(CONTRACT_EXISTS, [page.ticker])).length === 0) {
          throw new ApiError(404, `no contract ${page.ticker} is stored`);
        }
        return found;
      });
      const results = rows.slice(0, page.limit);
      const next =
        rows.length > page.limit
          ? context.cursors.encode({ ...page, since: (BigInt(results[results.length - 1]!.captured_at) + 1n).toString() })
          : undefined;
      reply.type('application/json');
      return jsonBody({
        status: 'OK',
        request_id: request.id,
        results: results.map((row) =>
          present({
            captured_at: rfc3339(row.captured_at),
            last_price: number(row.last_price),
            bid: number(row.bid),
            ask: number(row.ask),
            midpoint: number(row.midpoint),
            implied_volatility: double(row.implied_volatility),
            delta: double(row.delta),
            gamma: double(row.gamma),
            theta: double(row.theta),
            vega: double(row.vega),
            open_interest: number(row.open_interest),
            volume: number(row.volume),
            underlying_price: number(row.underlying_price),
          })!,
        ),
        ...(next === undefined ? {} : { next_url: context.nextUrl(`/v1/contracts/${optionContract}/history`, next) }),
      });
    },
  );
}

function firstPage(ticker: string, given: { from?: string | undefined; to?: string | undefined; limit: number }): HistoryRequest {
  const since = given.from === undefined ? 0n : sinceBound(given.from);
  const until = given.to === undefined ? BEYOND_STORED : asOfBound(given.to);
  if (given.from !== undefined && given.to !== undefined && since >= until)
    throw badRequest(`from (${given.from}) is after to (${given.to})`);
  return { route: ROUTE, ticker, since: since.toString(), until: until.toString(), limit: given.limit };
}
