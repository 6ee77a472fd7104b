/** The contracts reference: rows of `options`, filtered and sorted (contract-filters.ts). */
import { CONTRACT_COLUMNS, SORT_VALUE_COLUMNS } from './contract-columns.js';

export function contractsStatement(conditions: readonly string[], order: string, limit: string): string {
  return `
    SELECT ${CONTRACT_COLUMNS}, ${SORT_VALUE_COLUMNS}
    FROM options o
    ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
    ${order}
    LIMIT ${limit}`;
}
