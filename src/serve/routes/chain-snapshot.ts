/**
 * GET /v3/snapshot/options/{underlying}: the chain as of a time — each contract's latest
 * snapshot at or before `as_of` (default: the underlying's newest capture), contracts
 * expired by then left out, filtered, sorted and paged like Polygon's.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { badRequest } from '../api-error.js';
import { chainBound } from '../chain-bound.js';
import { continued, type PageRequest, splitPage } from '../contract-page.js';
import { jsonBody } from '../json-body.js';
import {
  asOf,
  contractSort,
  contractType,
  cursor,
  expirationRange,
  limit,
  order,
  rangeOf,
  strikeRange,
  underlyingTicker,
} from '../parameters.js';
import type { RouteContext } from '../route-context.js';
import { type SnapshotRow, snapshotResult } from '../snapshot-result.js';
import { type ContractFilters, filterConditions, keysetCondition, orderBy } from '../sql/contract-filters.js';
import { QueryParameters } from '../sql/query-parameters.js';
import { chainStatement } from '../sql/snapshots.js';

const ROUTE = 'chain';
export const CHAIN_LIMIT = { max: 250, default: 10 };

interface ChainRequest extends PageRequest, ContractFilters {
  readonly underlying: string;
  /** The exclusive upper bound of captured_at, microseconds as text; undefined: nothing stored yet. */
  readonly bound: string | undefined;
}

const query = z.object({
  as_of: asOf,
  contract_type: contractType,
  ...expirationRange(),
  ...strikeRange(),
  sort: contractSort,
  order,
  limit: limit(CHAIN_LIMIT.max, CHAIN_LIMIT.default),
  cursor,
});

export function registerChainSnapshot(app: FastifyInstance, context: RouteContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v3/snapshot/options/:underlying',
    {
      schema: {
        summary: 'The option chain of an underlying as of a time',
        params: z.object({ underlying: underlyingTicker }),
        querystring: query,
      },
    },
    async (request, reply) => {
      const { underlying } = request.params;
      const given = request.query;
      // A cursor is checked before a connection is taken: a forged one costs no database work.
      const continuing = given.cursor === undefined ? undefined : continued<ChainRequest>(context.cursors, given.cursor, ROUTE);
      if (continuing !== undefined && continuing.underlying !== underlying) {
        throw badRequest(`cursor: it continues the chain of ${continuing.underlying}, not ${underlying}`);
      }
      const chain = await context.read(async (read) => {
        const page: ChainRequest = continuing ?? {
          route: ROUTE,
          underlying,
          bound: await chainBound(read, underlying, given.as_of),
          contractType: given.contract_type,
          expirationDate: rangeOf(given, 'expiration_date'),
          strikePrice: rangeOf(given, 'strike_price'),
          sort: given.sort ?? 'ticker',
          order: given.order ?? 'asc',
          limit: given.limit,
        };
        if (page.bound === undefined) return { rows: [], cursor: undefined };
        const parameters = new QueryParameters();
        const underlyingParameter = parameters.add(underlying);
        const boundParameter = parameters.add(page.bound);
        const conditions = filterConditions(page, parameters);
        if (page.after !== undefined) conditions.push(keysetCondition(page.sort, page.order, page.after, parameters));
        const statement = chainStatement(
          underlyingParameter,
          boundParameter,
          conditions,
          orderBy(page.sort, page.order),
          parameters.add(page.limit + 1),
        );
        return splitPage(context.cursors, page, await read<SnapshotRow>(statement, parameters.values));
      });
      const path = `/v3/snapshot/options/${underlying}`;
      reply.type('application/json');
      return jsonBody({
        status: 'OK',
        request_id: request.id,
        results: chain.rows.map(snapshotResult),
        ...(chain.cursor === undefined ? {} : { next_url: context.nextUrl(path, chain.cursor) }),
      });
    },
  );
}
