// The ingest status view: what is stored, the newest capture and how it was written,
// rows per day, table sizes and the newest imports (GET /v1/status).
import { getJson } from './api.js';
import { bytes, count, fillTable, nyTime } from './format.js';

const $ = (id) => document.getElementById(id);

export async function showStatus() {
  const { results: status } = await getJson('/v1/status');
  const newest = status.newest_capture;
  const facts =
    newest === undefined
      ? [['captured', 'nothing stored yet']]
      : [
          ['captured', nyTime(newest.captured_at)],
          ['underlyings', count(newest.underlyings)],
          ['snapshots', count(newest.snapshots)],
          ['written', `${nyTime(newest.first_written_at)} – ${nyTime(newest.last_written_at)}`],
        ];
  $('status-newest').replaceChildren(
    ...facts.flatMap(([term, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }),
  );
  fillTable(
    $('status-underlyings'),
    ['Underlying', 'Contracts', 'Newest capture'],
    status.underlyings.map((u) => [u.underlying_ticker, count(u.contracts), nyTime(u.newest_capture)]),
  );
  const days = new Map();
  for (const row of status.snapshots_per_day) days.set(row.day, { ...days.get(row.day), snapshots: row.snapshots, captures: row.captures });
  for (const row of status.day_bars_per_day) days.set(row.day, { ...days.get(row.day), bars: row.bars });
  fillTable(
    $('status-days'),
    ['Day', 'Snapshots', 'Captures', 'Day bars'],
    [...days.entries()]
      .sort(([a], [b]) => (a < b ? 1 : -1))
      .map(([day, row]) => [day, count(row.snapshots), count(row.captures), count(row.bars)]),
  );
  fillTable(
    $('status-tables'),
    ['Table', 'Rows (estimate)', 'Size'],
    status.tables.map((t) => [t.table, count(t.estimated_rows), bytes(t.total_bytes)]),
  );
  fillTable(
    $('status-imports'),
    ['Import', 'Batches', 'Rows', 'Last commit'],
    status.recent_imports.map((i) => [i.import_id, count(i.batches), count(i.rows), nyTime(i.last_committed_at)]),
  );
  window.optdb.status = status;
}
