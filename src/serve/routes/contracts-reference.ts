/**
 * GET /v3/reference/options/contracts: the stored contracts, filtered like Polygon's
 * reference. `as_of` (default: today in New York) and `expired` choose between contracts
 * expiring on or after that day (expired=false, the default) and those expiring before it.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { continued, type PageRequest, splitPage } from '../contract-page.js';
import { contractResult, type ContractRow } from '../contract-result.js';
import { jsonBody } from '../json-body.js';
import {
  calendarDate,
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
import { type ContractFilters, filterConditions, keysetCondition, orderBy } from '../sql/contract-filters.js';
import { contractsStatement } from '../sql/contracts.js';
import { QueryParameters } from '../sql/query-parameters.js';

const ROUTE = 'contracts';
const PATH = '/v3/reference/options/contracts';
export const CONTRACTS_LIMIT = { max: 1000, default: 10 };

interface ContractsRequest extends PageRequest, ContractFilters {
  readonly underlying: string | undefined;
  readonly asOf: string;
  readonly expired: boolean;
}

const query = z.object({
  underlying_ticker: underlyingTicker.optional(),
  contract_type: contractType,
  ...expirationRange(),
  ...strikeRange(),
  as_of: calendarDate.optional().describe('The day the listing is read for, YYYY-MM-DD (default: today in New York)'),
  expired: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
  sort: contractSort,
  order,
  limit: limit(CONTRACTS_LIMIT.max, CONTRACTS_LIMIT.default),
  cursor,
});

const NEW_YORK_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' });

export function registerContractsReference(app: FastifyInstance, context: RouteContext): void {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(PATH, { schema: { summary: 'Stored option contracts', querystring: query } }, async (request, reply) => {
      const given = request.query;
      const page: ContractsRequest =
        given.cursor !== undefined
          ? continued<ContractsRequest>(context.cursors, given.cursor, ROUTE)
          : {
              route: ROUTE,
              underlying: given.underlying_ticker,
              asOf: given.as_of ?? NEW_YORK_DAY.format(new Date()),
              expired: given.expired === 'true',
              contractType: given.contract_type,
              expirationDate: rangeOf(given, 'expiration_date'),
              strikePrice: rangeOf(given, 'strike_price'),
              sort: given.sort ?? 'ticker',
              order: given.order ?? 'asc',
              limit: given.limit,
            };
      const parameters = new QueryParameters();
      const conditions = filterConditions(page, parameters);
      if (page.underlying !== undefined) conditions.push(`o.underlying_ticker = ${parameters.add(page.underlying)}`);
      conditions.push(`o.expiration_date ${page.expired ? '<' : '>='} ${parameters.add(page.asOf)}::date`);
      if (page.after !== undefined) conditions.push(keysetCondition(page.sort, page.order, page.after, parameters));
      const statement = contractsStatement(conditions, orderBy(page.sort, page.order), parameters.add(page.limit + 1));
      const rows = await context.read((read) => read<ContractRow>(statement, parameters.values));
      const contracts = splitPage(context.cursors, page, rows);
      reply.type('application/json');
      return jsonBody({
        status: 'OK',
        request_id: request.id,
        results: contracts.rows.map(contractResult),
        ...(contracts.cursor === undefined ? {} : { next_url: context.nextUrl(PATH, contracts.cursor) }),
      });
    });
}
