/**
 * Cursors of `next_url`: the rest of a query (its filters, the instant it reads as of,
 * where the last page ended), opaque to the client and signed with HMAC-SHA256, so a
 * cursor that was not handed out by a server holding the same key is refused rather than
 * read. The key is per process unless one is configured (servers behind one address share
 * it then); a cursor outlives neither.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class CursorCodec {
  readonly #key: Buffer;

  constructor(key: string | undefined) {
    this.#key = key === undefined ? randomBytes(32) : Buffer.from(key, 'utf8');
  }

  encode(payload: unknown): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${this.#sign(body).toString('base64url')}`;
  }

  /** The payload, or undefined when the cursor is malformed or its signature does not match. */
  decode(cursor: string): unknown {
    const [body, signature, extra] = cursor.split('.');
    if (body === undefined || signature === undefined || extra !== undefined) return undefined;
    const given = Buffer.from(signature, 'base64url');
    const expected = this.#sign(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }

  #sign(body: string): Buffer {
    return createHmac('sha256', this.#key).update(body).digest();
  }
}
