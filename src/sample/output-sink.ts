/**
 * Where sample text goes: a file (gzip-compressed when its name ends in `.gz`), stdout
 * (`-`), or a stream the caller owns. Text is gathered into 64 KiB chunks and written
 * with backpressure — `write` returns a promise only when the destination is full — so
 * memory stays flat however many rows go through.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { openOutputFile } from '../output-file.js';

const CHUNK_CHARS = 64 * 1024;

export interface OutputSink {
  /** Undefined when the text was taken at once; otherwise await the promise before writing more. */
  write(text: string): Promise<void> | undefined;
  /** Flushes and finishes; resolves to the bytes stored (after compression, for `.gz`). */
  close(): Promise<number>;
  /** After a failure: releases a file we opened (what was written so far stays). */
  abort(): void;
}

export function openSink(out: string | NodeJS.WritableStream): OutputSink {
  if (typeof out !== 'string') return streamSink(out);
  if (out === '-') return streamSink(process.stdout);
  const file = fs.createWriteStream(out, { fd: openOutputFile(out) });
  if (!out.endsWith('.gz')) {
    const finished = once(file, 'close').then(() => {});
    return streamSink(file, { finished, stored: () => file.bytesWritten, destroy: () => file.destroy() });
  }
  const gzip = createGzip();
  return streamSink(gzip, { finished: pipeline(gzip, file), stored: () => file.bytesWritten, destroy: () => gzip.destroy() });
}

/**
 * With `owned` the stream is ended on close and `finished` awaited; stdout and a caller's
 * stream are only flushed, never ended. `stored` reports the bytes as they landed (a
 * file's size); otherwise the bytes handed over are counted.
 */
function streamSink(
  stream: NodeJS.WritableStream,
  owned?: { finished: Promise<void>; stored: () => number; destroy: () => void },
): OutputSink {
  let pending: string[] = [];
  let pendingChars = 0;
  let bytes = 0;
  let lastWrite: Promise<void> = Promise.resolve();
  let failure: unknown;
  const onError = (error: unknown): void => {
    failure ??= error;
  };
  stream.on('error', onError); // without a listener a broken pipe would crash the process
  owned?.finished.catch(onError);

  const drained = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const settle = (error?: unknown): void => {
        stream.off('drain', onDrain);
        stream.off('error', onFail);
        stream.off('close', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onDrain = (): void => settle();
      const onFail = (error: unknown): void => settle(error);
      const onClose = (): void => settle(failure ?? new Error('the output closed before all data was written'));
      stream.on('drain', onDrain);
      stream.on('error', onFail);
      stream.on('close', onClose);
    });

  const flush = (): Promise<void> | undefined => {
    if (failure !== undefined) return Promise.reject(failure);
    if (pendingChars === 0) return undefined;
    const chunk = Buffer.from(pending.join(''), 'utf8'); // encode once: counted and written
    pending = [];
    pendingChars = 0;
    bytes += chunk.length;
    let ok = true;
    lastWrite = new Promise((resolve, reject) => {
      ok = stream.write(chunk, (error) => (error ? reject(error) : resolve()));
    });
    lastWrite.catch(onError);
    return ok ? undefined : drained();
  };

  return {
    write(text) {
      pending.push(text);
      pendingChars += text.length;
      return pendingChars >= CHUNK_CHARS ? flush() : undefined;
    },
    async close() {
      try {
        await flush();
        // Callbacks run in write order: once the last one has, everything was taken.
        await lastWrite;
        if (owned) {
          stream.end();
          await owned.finished;
        }
        if (failure !== undefined) throw failure;
        return owned ? owned.stored() : bytes;
      } finally {
        stream.off('error', onError);
      }
    },
    abort() {
      owned?.destroy();
    },
  };
}
