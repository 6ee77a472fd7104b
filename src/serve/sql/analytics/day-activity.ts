/**
 * The contracts traded on one day (New York), each as its last snapshot captured that day:
 * `day_volume` is the volume traded so far that day and `open_interest` the open interest
 * Polygon reports in it (as of the previous close). The most active are ranked by volume;
 * the unusual ones are those whose volume is large next to their open interest.
 *
 * $1, $2: the day's start and end (µs, start included), $3: the day, $4: the most rows,
 * $5: the underlying when one is given. With an underlying, its contracts not expired by
 * the day (the options index) each take one probe of option_snapshots' primary key; across
 * all underlyings, the day's snapshots are read by the captured_at index.
 */
import { BOUND } from '../snapshots.js';
import { micros } from './chain-as-of.js';

/** The unusual-volume rules (docs/serve.md): a floor on volume, and volume against open interest. */
export const UNUSUAL_VOLUME = Object.freeze({ minimumVolume: 100, toOpenInterest: 1.25 });

const COLUMNS = `o.ticker, o.underlying_ticker, o.contract_type, o.expiration_date, o.strike_price,
                 s.captured_at, s.day_volume, s.open_interest, s.implied_volatility, s.last_price`;

const UNDERLYING_DAY = `
  SELECT ${COLUMNS}
  FROM options o
  CROSS JOIN LATERAL (
    SELECT * FROM option_snapshots s
    WHERE s.ticker = o.ticker AND s.captured_at >= ${BOUND('$1')} AND s.captured_at < ${BOUND('$2')}
    ORDER BY s.captured_at DESC LIMIT 1
  ) s
  WHERE o.underlying_ticker = $5 AND o.expiration_date >= $3::date`;

// The day's snapshots are sorted by ticker to keep each one's last: the sort carries only
// the snapshot's few columns, and the contracts are joined to the survivors.
const ALL_DAY = `
  SELECT ${COLUMNS}
  FROM (
    SELECT DISTINCT ON (s.ticker) s.ticker, s.captured_at, s.day_volume, s.open_interest, s.implied_volatility, s.last_price
    FROM option_snapshots s
    WHERE s.captured_at >= ${BOUND('$1')} AND s.captured_at < ${BOUND('$2')}
    ORDER BY s.ticker, s.captured_at DESC
  ) s
  JOIN options o ON o.ticker = s.ticker
  WHERE o.expiration_date >= $3::date`;

const RANKINGS = {
  mostActive: { where: 'day_volume > 0', order: 'day_volume DESC, ticker' },
  unusualVolume: {
    where: `day_volume >= ${UNUSUAL_VOLUME.minimumVolume} AND open_interest IS NOT NULL
            AND day_volume >= ${UNUSUAL_VOLUME.toOpenInterest} * open_interest`,
    // No open interest at all is the most unusual: its ratio is NULL, which DESC puts first.
    order: 'day_volume::numeric / nullif(open_interest, 0) DESC NULLS FIRST, day_volume DESC, ticker',
  },
} as const;
export type Ranking = keyof typeof RANKINGS;

export function dayActivityStatement(ranking: Ranking, byUnderlying: boolean): string {
  const { where, order } = RANKINGS[ranking];
  return `
    WITH day AS (${byUnderlying ? UNDERLYING_DAY : ALL_DAY})
    SELECT ticker, underlying_ticker, contract_type::text AS contract_type, expiration_date::text AS expiration_date,
           trim_scale(strike_price)::text AS strike_price, day_volume::text AS volume, open_interest::text AS open_interest,
           trim_scale(round(day_volume::numeric / nullif(open_interest, 0), 4))::text AS volume_to_open_interest,
           implied_volatility::text AS implied_volatility, last_price::text AS last_price,
           ${micros('captured_at')} AS captured_at
    FROM day
    WHERE ${where}
    ORDER BY ${order}
    LIMIT $4`;
}

/** The newest capture of any contract plus one microsecond, in µs (as NEWEST_BOUND for one underlying). */
export const NEWEST_CAPTURE_BOUND = `
  SELECT ((extract(epoch FROM max(captured_at)) * 1000000)::bigint + 1)::text AS bound FROM option_snapshots`;

export interface DayActivityRow {
  readonly ticker: string;
  readonly underlying_ticker: string;
  readonly contract_type: string;
  readonly expiration_date: string;
  readonly strike_price: string;
  readonly volume: string;
  readonly open_interest: string | null;
  readonly volume_to_open_interest: string | null;
  readonly implied_volatility: string | null;
  readonly last_price: string | null;
  readonly captured_at: string;
}
