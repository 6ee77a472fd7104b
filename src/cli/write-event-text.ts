/** What the writers report (retries, splits, fallbacks, limit changes, slow writes, queue pressure), in words for stderr. */
import type { WriteEvent } from '../write/writer.js';

export function describeWriteEvent(event: WriteEvent): string {
  switch (event.kind) {
    case 'retry':
      return `${event.code} on a batch of ${event.rows} rows (attempt ${event.attempt}); retrying`;
    case 'split':
      return `${event.code} on a batch of ${event.rows} rows; writing it in halves`;
    case 'fallback':
      return `${event.code} persists on a batch of ${event.rows} rows; falling back from ${event.from} to ${event.to}`;
    case 'limit':
      return `write limit ${event.from} → ${event.to} (${LIMIT_REASONS[event.reason]}${event.to === event.target ? '' : `, moving toward ${event.target}`})`;
    case 'slow-write': {
      const what = event.batches === 1 ? `a batch of ${event.rows} rows` : `${event.batches} batches (${event.rows} rows)`;
      return event.retrying
        ? `${what} for ${event.table} still not written after ${event.seconds} s: retrying after ${event.retrying}`
        : `${what} for ${event.table} still being written after ${event.seconds} s: another session may hold a lock on ${event.table} or on options, where its contracts go (\`optdb doctor\` names it under locks.held and locks.blocked)`;
    }
    case 'queue-pressure':
      return `${event.queued} writes queued, more than 5× the limit of ${event.limit}: expect latency and timeouts (lower the load or raise the limit gradually)`;
  }
}

const LIMIT_REASONS = {
  requested: 'a requested change, applied in steps',
  overload: 'the server is overloaded',
  recovery: 'healthy again',
} as const;
