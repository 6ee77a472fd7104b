/**
 * A byte stream that can be looked at before it is read: format and gzip detection
 * peek at the first bytes, and the reader that follows must still see every one of
 * them (peek, then replay).
 */
export class ChunkReader implements AsyncIterable<Buffer> {
  private readonly source: AsyncIterator<Buffer>;
  private readonly peeked: Buffer[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private iterated = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /**
   * Reads ahead until `enough(prefix)` holds, `limit` bytes are held or the input ends,
   * and returns the bytes read so far without consuming them. A read error does not
   * throw here: it is kept (see `readError`) and thrown by the iteration, after the
   * bytes that were read — so a corrupt tail surfaces after the readable records.
   */
  async peek(limit: number, enough: (prefix: Buffer) => boolean = () => false): Promise<Buffer> {
    let prefix = Buffer.concat(this.peeked);
    while (!this.ended && this.failure === undefined && prefix.length < limit && !enough(prefix)) {
      try {
        const next = await this.source.next();
        if (next.done) {
          this.ended = true;
        } else {
          this.peeked.push(next.value);
          prefix = Buffer.concat(this.peeked);
        }
      } catch (error) {
        this.failure = { error };
      }
    }
    return prefix;
  }

  /** True once a peek has reached the end of the input. */
  get reachedEnd(): boolean {
    return this.ended;
  }

  /** The error a peek ran into, if any. */
  get readError(): unknown {
    return this.failure?.error;
  }

  /** Releases the input without reading it (when opening fails after the first peek). */
  async close(): Promise<void> {
    await this.source.return?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    if (this.iterated) throw new Error('ChunkReader can be iterated only once');
    this.iterated = true;
    try {
      for (let chunk = this.peeked.shift(); chunk !== undefined; chunk = this.peeked.shift()) yield chunk;
      if (this.failure !== undefined) throw this.failure.error;
      if (this.ended) return;
      for (;;) {
        const next = await this.source.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // Reached on early exit too (the consumer stopped): release the file or stream.
      await this.source.return?.();
    }
  }
}
