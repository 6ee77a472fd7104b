/** What every route handler uses: the pool, read-only, the cursors, and where next_url points. */
import type pg from 'pg';
import type { CursorCodec } from './cursor.js';
import { type ReadQuery, readOnly } from './read-only.js';

export class RouteContext {
  constructor(
    private readonly pool: pg.Pool,
    private readonly statementTimeoutMs: number,
    readonly cursors: CursorCodec,
    /** The server's own base URL (known once it listens): next_url never echoes a client's Host header. */
    private readonly baseUrl: () => string,
  ) {}

  read<T>(work: (query: ReadQuery) => Promise<T>): Promise<T> {
    return readOnly(this.pool, this.statementTimeoutMs, work);
  }

  nextUrl(path: string, cursor: string): string {
    return `${this.baseUrl()}${path}?cursor=${encodeURIComponent(cursor)}`;
  }
}
