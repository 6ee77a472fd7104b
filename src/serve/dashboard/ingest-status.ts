/**
 * GET /v1/status: the ingest status — each underlying's newest capture, rows per day,
 * table sizes, the newest capture's write (what `optdb poll`'s last cycle did, when a
 * poll shares this database) and the newest imports.
 */
import type { FastifyInstance } from 'fastify';
import { jsonBody, number, present } from '../json-body.js';
import type { RouteContext } from '../route-context.js';
import { rfc3339 } from '../rfc3339.js';
import {
  DAY_BARS_PER_DAY,
  NEWEST_CAPTURE_WRITTEN,
  RECENT_IMPORTS,
  SNAPSHOTS_PER_DAY,
  STATUS_TABLES,
  TABLE_SIZES,
} from './sql/ingest-status.js';
import { UNDERLYINGS } from './sql/underlyings.js';
import { underlyingResult, type UnderlyingRow } from './underlyings.js';

const RECENT_IMPORT_COUNT = 5;

type Row = Record<string, string | null>;

export function registerIngestStatus(app: FastifyInstance, context: RouteContext): void {
  app.get('/v1/status', { schema: { summary: 'What is stored and what was written last' } }, async (request, reply) => {
    const status = await context.read(async (read) => ({
      tables: await read<Row>(TABLE_SIZES, [STATUS_TABLES]),
      underlyings: await read<UnderlyingRow>(UNDERLYINGS, []),
      snapshotsPerDay: await read<Row>(SNAPSHOTS_PER_DAY, []),
      dayBarsPerDay: await read<Row>(DAY_BARS_PER_DAY, []),
      newestCapture: (await read<Row>(NEWEST_CAPTURE_WRITTEN, []))[0],
      imports: await read<Row>(RECENT_IMPORTS, [RECENT_IMPORT_COUNT]),
    }));
    const time = (text: string | null | undefined) => (text == null ? undefined : rfc3339(text));
    reply.type('application/json');
    return jsonBody({
      status: 'OK',
      request_id: request.id,
      results: present({
        tables: status.tables.map((row) =>
          present({ table: row.table_name!, total_bytes: number(row.total_bytes!), estimated_rows: number(row.estimated_rows!) })!,
        ),
        underlyings: status.underlyings.map(underlyingResult),
        snapshots_per_day: status.snapshotsPerDay.map((row) => ({
          day: row.day!,
          snapshots: number(row.snapshots!)!,
          captures: number(row.captures!)!,
        })),
        day_bars_per_day: status.dayBarsPerDay.map((row) => ({ day: row.day!, bars: number(row.bars!)! })),
        newest_capture:
          status.newestCapture &&
          present({
            captured_at: time(status.newestCapture.captured_at),
            underlyings: number(status.newestCapture.underlyings!),
            snapshots: number(status.newestCapture.snapshots!),
            first_written_at: time(status.newestCapture.first_written_at),
            last_written_at: time(status.newestCapture.last_written_at),
          }),
        recent_imports: status.imports.map((row) =>
          present({
            import_id: row.import_id!,
            batches: number(row.batches!),
            rows: number(row.rows!),
            first_committed_at: time(row.first_committed_at),
            last_committed_at: time(row.last_committed_at),
          })!,
        ),
      }),
    });
  });
}
