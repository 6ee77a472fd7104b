/**
 * One page of contracts in a keyset order, shared by the chain snapshot and the contracts
 * reference: the query asks for one row more than the page, and when it comes the page
 * ends with a cursor that holds the rest of the request and where this page stopped.
 * The cursor is bound to the route that issued it: the chain's cannot page the reference.
 */
import { badRequest } from './api-error.js';
import type { ContractRow } from './contract-result.js';
import type { CursorCodec } from './cursor.js';
import type { PageKey, SortName, SortOrder } from './sql/contract-filters.js';

export interface PageRequest {
  readonly route: string;
  readonly sort: SortName;
  readonly order: SortOrder;
  readonly limit: number;
  readonly after?: PageKey | undefined;
}

/** The request a cursor continues, after checking its signature and its route (any paged route's, not only contracts'). */
export function continued<R extends { readonly route: string }>(cursors: CursorCodec, cursor: string, route: string): R {
  const payload = cursors.decode(cursor) as R | undefined;
  if (payload === undefined || typeof payload !== 'object' || payload === null || payload.route !== route) {
    throw badRequest('cursor: not a cursor this server handed out for this endpoint (cursors are signed and expire with the server)');
  }
  return payload;
}

/** The rows of the page and the cursor of the next one, if there is one. */
export function splitPage<R extends PageRequest, Row extends ContractRow>(
  cursors: CursorCodec,
  request: R,
  rows: readonly Row[],
): { rows: readonly Row[]; cursor: string | undefined } {
  if (rows.length <= request.limit) return { rows, cursor: undefined };
  const page = rows.slice(0, request.limit);
  const last = page[page.length - 1]!;
  const after: PageKey = { value: sortValue(request.sort, last), ticker: last.ticker };
  return { rows: page, cursor: cursors.encode({ ...request, after }) };
}

function sortValue(sort: SortName, row: ContractRow): string {
  if (sort === 'ticker') return row.ticker;
  const value = sort === 'expiration_date' ? row.sort_expiration_date : row.sort_strike_price;
  if (value === undefined) throw new Error(`the query did not select the ${sort} sort value`);
  return value;
}
