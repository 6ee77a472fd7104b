/**
 * Times in the /v1 answers: RFC 3339 in UTC, with the microseconds when there are any
 * (`2025-11-20T15:30:00Z`, `2025-11-20T15:30:00.250000Z`). A browser cannot hold the Unix
 * nanoseconds of the Polygon-shaped answers in a JavaScript number; it can parse these.
 */
import { microsToIso } from '../domain/timestamp.js';

/** `micros`: microseconds since the Unix epoch, as the text of a bigint column. */
export function rfc3339(micros: string): string {
  return microsToIso(BigInt(micros)).replace('.000000Z', 'Z');
}
