/**
 * The option_day_aggs rows committed so far, as SQL: those in the table and those in the
 * loads of new days not attached yet (their batches are committed and in the ledger, the
 * rows appear in the table when their input ends).
 */
import { LOADING_TABLE_PREFIX } from '../../src/db/day-partitions.js';

export const COMMITTED_DAY_ROWS = `(
  (SELECT count(*)::int FROM option_day_aggs) +
  (SELECT coalesce(sum((xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', relname), false, true, '')))[1]::text::int), 0)::int
   FROM pg_class WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace AND starts_with(relname, '${LOADING_TABLE_PREFIX}')))`;
