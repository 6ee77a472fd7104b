/**
 * What tells the dashboard that new snapshots landed, cheaply enough to ask every few
 * seconds: the newest capture time (the top of the captured_at index) and the rows
 * written to option_snapshots since the statistics were reset (summed over its partitions,
 * when it has any; it also moves when a capture is rewritten or an older one backfilled).
 */
import { micros } from '../../sql/analytics/chain-as-of.js';
import { RELATION_TREE } from './ingest-status.js';

export const NEWEST_WRITE = `
  SELECT ${micros('(SELECT max(captured_at) FROM option_snapshots)')} AS captured_at,
         (SELECT coalesce(sum(t.n_tup_ins + t.n_tup_upd), 0)::text
          FROM ${RELATION_TREE("'option_snapshots'")} r
          JOIN pg_stat_user_tables t ON t.relid = r.relid) AS writes`;
