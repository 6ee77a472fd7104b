/**
 * GET /v1/underlyings/{underlying}/chain: the dashboard's chain table — one expiration's
 * calls and puts side by side by strike, the `strikes` strikes below the underlying's
 * price and as many at or above it, as of a time (default: the underlying's newest
 * capture). Also lists the expirations there are to choose from at that time.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { asOfBound } from '../as-of.js';
import { double, type JsonOut, jsonBody, number, present } from '../json-body.js';
import { asOf, calendarDate, underlyingTicker } from '../parameters.js';
import type { RouteContext } from '../route-context.js';
import { rfc3339 } from '../rfc3339.js';
import { EXPIRATION_ROWS, EXPIRATIONS, NEWEST_CAPTURE } from './sql/chain-table.js';

export const CHAIN_STRIKES = { max: 100, default: 10 };

interface SideRow {
  readonly ticker: string;
  readonly contract_type: 'call' | 'put';
  readonly strike_price: string;
  readonly captured_at: string;
  readonly last_price: string | null;
  readonly bid: string | null;
  readonly ask: string | null;
  readonly midpoint: string | null;
  readonly implied_volatility: string | null;
  readonly delta: string | null;
  readonly volume: string | null;
  readonly open_interest: string | null;
  readonly underlying_price: string | null;
}

const strikes = z
  .string()
  .regex(/^\d{1,3}$/, `must be an integer from 1 to ${CHAIN_STRIKES.max}`)
  .transform(Number)
  .pipe(
    z.number().min(1, `must be an integer from 1 to ${CHAIN_STRIKES.max}`).max(CHAIN_STRIKES.max, `must be at most ${CHAIN_STRIKES.max}`),
  )
  .optional()
  .transform((value) => value ?? CHAIN_STRIKES.default)
  .describe(`Strikes on each side of the underlying's price: 1 to ${CHAIN_STRIKES.max} (default ${CHAIN_STRIKES.default})`);

export function registerChainTable(app: FastifyInstance, context: RouteContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/underlyings/:underlying/chain',
    {
      schema: {
        summary: "One expiration's calls and puts by strike around the underlying's price, as of a time",
        params: z.object({ underlying: underlyingTicker }),
        querystring: z.object({
          as_of: asOf,
          expiration_date: calendarDate.optional().describe('The expiration shown (default: the soonest)'),
          strikes,
        }),
      },
    },
    async (request, reply) => {
      const { underlying } = request.params;
      const given = request.query;
      const table = await context.read(async (read) => {
        const bound = given.as_of === undefined ? null : asOfBound(given.as_of).toString();
        const capturedAt = (await read<{ captured_at: string | null }>(NEWEST_CAPTURE, [underlying, bound]))[0]?.captured_at ?? null;
        if (capturedAt === null) return undefined;
        // Nothing was captured between the newest capture and the bound: reading below the
        // capture plus one microsecond gives the same rows as reading below as_of.
        const at = (BigInt(capturedAt) + 1n).toString();
        const expirations = (await read<{ expiration_date: string }>(EXPIRATIONS, [underlying, at])).map((row) => row.expiration_date);
        const expiration = given.expiration_date ?? expirations[0];
        const rows = expiration === undefined ? [] : await read<SideRow>(EXPIRATION_ROWS, [underlying, at, expiration]);
        return { capturedAt, expirations, expiration, rows };
      });
      reply.type('application/json');
      // Nothing of the underlying stored by then: no time, no expiration, no rows.
      if (table === undefined) return jsonBody({ status: 'OK', request_id: request.id, expirations: [], results: [] });
      const price = underlyingPrice(table.rows);
      return jsonBody({
        status: 'OK',
        request_id: request.id,
        captured_at: rfc3339(table.capturedAt),
        ...present({ underlying_price: number(price ?? null), expiration_date: table.expiration }),
        expirations: table.expirations,
        results: aroundPrice(table.rows, price, given.strikes),
      });
    },
  );
}

/** The underlying's price in the newest of the rows (each contract's latest snapshot may be of another time). */
function underlyingPrice(rows: readonly SideRow[]): string | undefined {
  let newest: SideRow | undefined;
  for (const row of rows) {
    if (row.underlying_price !== null && (newest === undefined || BigInt(row.captured_at) > BigInt(newest.captured_at))) newest = row;
  }
  return newest?.underlying_price ?? undefined;
}

/** The rows by strike, `count` strikes below the price and `count` at or above it (without a price: the middle ones). */
function aroundPrice(rows: readonly SideRow[], price: string | undefined, count: number): JsonOut[] {
  const byStrike = new Map<string, { call?: SideRow; put?: SideRow }>();
  for (const row of rows) {
    const sides = byStrike.get(row.strike_price) ?? {};
    sides[row.contract_type] = row;
    byStrike.set(row.strike_price, sides);
  }
  // Strikes have at most 9 integer digits and 3 decimals: exact as doubles, so they compare as numbers.
  const strikes = [...byStrike.keys()];
  const firstAbove = price === undefined ? Math.floor(strikes.length / 2) : strikes.findIndex((strike) => Number(strike) >= Number(price));
  const split = firstAbove === -1 ? strikes.length : firstAbove;
  return strikes.slice(Math.max(0, split - count), split + count).map((strike) => {
    const { call, put } = byStrike.get(strike)!;
    return present({ strike_price: number(strike), call: call && side(call), put: put && side(put) })!;
  });
}

function side(row: SideRow): JsonOut {
  return present({
    ticker: row.ticker,
    captured_at: rfc3339(row.captured_at),
    last_price: number(row.last_price),
    bid: number(row.bid),
    ask: number(row.ask),
    midpoint: number(row.midpoint),
    implied_volatility: double(row.implied_volatility),
    delta: double(row.delta),
    volume: number(row.volume),
    open_interest: number(row.open_interest),
  })!;
}
