/**
 * The bearer token check. Compared as SHA-256 digests with timingSafeEqual, so neither
 * the token's length nor its prefix shows in how long a refusal takes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export class BearerToken {
  readonly #digest: Buffer;

  constructor(token: string) {
    this.#digest = digest(`Bearer ${token}`);
  }

  accepts(authorization: string | undefined): boolean {
    return authorization !== undefined && timingSafeEqual(digest(authorization), this.#digest);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
