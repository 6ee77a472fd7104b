/** One contract's day bars between two days, both included. $1: ticker, $2: from, $3: to, $4: limit. */
export function dayAggsStatement(order: 'asc' | 'desc'): string {
  return `
    SELECT day::text AS day, open::text AS open, high::text AS high, low::text AS low, close::text AS close,
           volume::text AS volume, transactions::text AS transactions
    FROM option_day_aggs
    WHERE ticker = $1 AND day BETWEEN $2::date AND $3::date
    ORDER BY day ${order === 'asc' ? 'ASC' : 'DESC'}
    LIMIT $4`;
}
