/**
 * The filters the chain snapshot and the contracts reference share — `contract_type`,
 * `expiration_date` and `strike_price`, each with `.gt/.gte/.lt/.lte` — as SQL
 * conditions on `options o`, and the keyset condition and ORDER BY of their sorts.
 * Columns and operators come from the fixed tables below, values from placeholders.
 */
import type { QueryParameters } from './query-parameters.js';

export const RANGE_OPERATORS = { '': '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
export type RangeSuffix = keyof typeof RANGE_OPERATORS;
export type Range = Partial<Record<RangeSuffix, string>>;

export interface ContractFilters {
  readonly contractType?: 'call' | 'put' | undefined;
  readonly expirationDate: Range;
  readonly strikePrice: Range;
}

/** The sorts Polygon offers; each a column and the type its cursor value is cast back to. */
export const SORT_COLUMNS = {
  ticker: { column: 'o.ticker', type: 'text' },
  expiration_date: { column: 'o.expiration_date', type: 'date' },
  strike_price: { column: 'o.strike_price', type: 'numeric' },
} as const;
export type SortName = keyof typeof SORT_COLUMNS;
export type SortOrder = 'asc' | 'desc';

/** Where the previous page ended: the last row's sort value and ticker, as text. */
export interface PageKey {
  readonly value: string;
  readonly ticker: string;
}

export function filterConditions(filters: ContractFilters, parameters: QueryParameters): string[] {
  const conditions: string[] = [];
  if (filters.contractType !== undefined) conditions.push(`o.contract_type = ${parameters.add(filters.contractType)}::contract_type`);
  for (const [column, type, range] of [
    ['o.expiration_date', 'date', filters.expirationDate],
    ['o.strike_price', 'numeric', filters.strikePrice],
  ] as const) {
    for (const [suffix, operator] of Object.entries(RANGE_OPERATORS)) {
      const value = range[suffix as RangeSuffix];
      if (value !== undefined) conditions.push(`${column} ${operator} ${parameters.add(value)}::${type}`);
    }
  }
  return conditions;
}

/** Rows after `after` in the sort: (value, ticker) compared as a row, so ties on the value page by ticker. */
export function keysetCondition(sort: SortName, order: SortOrder, after: PageKey, parameters: QueryParameters): string {
  const { column, type } = SORT_COLUMNS[sort];
  const operator = order === 'asc' ? '>' : '<';
  return `(${column}, o.ticker) ${operator} (${parameters.add(after.value)}::${type}, ${parameters.add(after.ticker)}::text)`;
}

export function orderBy(sort: SortName, order: SortOrder): string {
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  return `ORDER BY ${SORT_COLUMNS[sort].column} ${direction}, o.ticker ${direction}`;
}
