/**
 * What the "as of" analytics answers share: their statement reads the chain as of
 * `as_of` (default: the underlying's newest capture), and the answer reports at its top
 * the capture time and the underlying price it read (the `anchor`, chain-as-of.ts).
 */
import { chainBound } from '../../chain-bound.js';
import { type JsonOut, number } from '../../json-body.js';
import type { RouteContext } from '../../route-context.js';
import { rfc3339 } from '../../rfc3339.js';
import type { AnchorRow } from '../../sql/analytics/chain-as-of.js';

/** The rows of `statement` ($1: underlying, $2: bound, then `values`); none when nothing of the underlying is stored by then. */
export function readChain<Row>(
  context: RouteContext,
  underlying: string,
  asOf: string | undefined,
  statement: string,
  values: readonly unknown[] = [],
): Promise<Row[]> {
  return context.read(async (read) => {
    const bound = await chainBound(read, underlying, asOf);
    return bound === undefined ? [] : read<Row>(statement, [underlying, bound, ...values]);
  });
}

/** `captured_at` and `underlying_price`, from the first row; absent when the answer has no row. */
export function anchorFields(rows: readonly AnchorRow[]): Record<string, JsonOut> {
  const first = rows[0];
  if (first === undefined) return {};
  const price = number(first.anchor_underlying_price);
  return { captured_at: rfc3339(first.anchor_captured_at), ...(price === undefined ? {} : { underlying_price: price }) };
}
