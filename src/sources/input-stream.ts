/**
 * The bytes of one input — a file or stdin — decompressed when they are gzip (told by
 * the magic bytes, not the name), with a count of the stored bytes consumed for
 * progress. Read errors become OptdbError INPUT_UNREADABLE.
 */
import { constants } from 'node:fs';
import { access, open, stat, type FileHandle } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { OptdbError } from '../errors.js';
import { ChunkReader } from './chunk-reader.js';

export interface InputStream {
  /** Size as stored (compressed when gzipped); undefined for stdin, pipes and devices. */
  readonly totalBytes: number | undefined;
  /** Stored bytes consumed so far. */
  bytesRead(): number;
  /** The content, decompressed; peek at it, then iterate it once. */
  readonly content: ChunkReader;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/*
 * A gzip bomb — a few MB that inflate to terabytes — would keep a run busy for hours even
 * though the readers' line and value limits keep memory flat. Option data inflates far
 * less (`optdb sample`'s CSV, NDJSON and JSON, gzip -9: 5–9 times), so past the first GiB
 * an input may inflate at most MAX_INFLATION times what has been read of it — room for
 * files far more repetitive than that — and beyond it is refused whole.
 */
const INFLATION_FREE_BYTES = 1024 * 1024 * 1024;
const MAX_INFLATION = 200;

export async function openInputStream(name: string, stdin: NodeJS.ReadableStream): Promise<InputStream> {
  const { stream, totalBytes } = name === '-' ? { stream: stdin, totalBytes: undefined } : await openFile(name);
  let bytes = 0;
  const stored = new ChunkReader(
    countBytes(name, stream, (n) => {
      bytes += n;
    }),
  );

  const head = await stored.peek(GZIP_MAGIC.length);
  // Nothing readable at all: the input cannot be opened, so say so now, not mid-run.
  if (head.length === 0 && stored.readError !== undefined) throw stored.readError;
  const gzipped = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];

  return {
    totalBytes,
    bytesRead: () => bytes,
    content: gzipped ? new ChunkReader(gunzip(name, stored)) : stored,
  };
}

/**
 * Refuses an input that cannot be read — missing, a directory, not permitted — before any
 * input is: a typo in the last of several files must not be found after the others are
 * loaded. Not opened: opening a FIFO would wait for its writer.
 */
export async function requireReadable(name: string): Promise<void> {
  try {
    if ((await stat(name)).isDirectory()) throw new OptdbError('INPUT_UNREADABLE', `Cannot read ${name}: it is a directory`);
    await access(name, constants.R_OK);
  } catch (error) {
    throw cannotRead(name, error);
  }
}

async function openFile(name: string): Promise<{ stream: NodeJS.ReadableStream; totalBytes: number | undefined }> {
  let handle: FileHandle;
  try {
    handle = await open(name, 'r');
  } catch (error) {
    throw cannotRead(name, error);
  }
  try {
    const stat = await handle.stat();
    // open() succeeds on a directory on Linux; reading it would fail later with EISDIR.
    if (stat.isDirectory()) throw new OptdbError('INPUT_UNREADABLE', `Cannot read ${name}: it is a directory`);
    return { stream: handle.createReadStream(), totalBytes: stat.isFile() ? stat.size : undefined };
  } catch (error) {
    await handle.close();
    throw error instanceof OptdbError ? error : cannotRead(name, error);
  }
}

async function* countBytes(name: string, stream: NodeJS.ReadableStream, count: (n: number) => void): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) {
      const bytes = toBuffer(chunk);
      count(bytes.length);
      yield bytes;
    }
  } catch (error) {
    throw cannotRead(name, error);
  }
}

async function* gunzip(name: string, stored: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // Remember a read error from below, so that it is not reported as corrupt gzip.
  let readError: unknown;
  let compressed = 0;
  async function* watched(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of stored) {
        compressed += chunk.length;
        yield chunk;
      }
    } catch (error) {
      readError = error;
      throw error;
    }
  }
  const inflated = pipeline(Readable.from(watched()), zlib.createGunzip(), () => {
    // Errors reach the loop below through the destroyed stream.
  });
  let inflatedBytes = 0;
  try {
    for await (const chunk of inflated) {
      inflatedBytes += (chunk as Buffer).length;
      if (inflatedBytes > INFLATION_FREE_BYTES && inflatedBytes > MAX_INFLATION * compressed) {
        inflated.destroy();
        throw new OptdbError(
          'INPUT_UNREADABLE',
          `${name}: gzip data that inflates more than ${MAX_INFLATION} times (${mebibytes(compressed)} MiB read became ${mebibytes(inflatedBytes)} MiB): refused as a decompression bomb, not option data`,
        );
      }
      yield chunk as Buffer;
    }
  } catch (error) {
    if (error instanceof OptdbError) throw error;
    if (readError !== undefined) throw readError;
    throw new OptdbError('INPUT_UNREADABLE', `${name}: truncated or corrupt gzip data (${messageOf(error)})`, {
      cause: error,
    });
  }
}

function mebibytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

function toBuffer(chunk: string | Buffer | Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function cannotRead(name: string, error: unknown): OptdbError {
  if (error instanceof OptdbError) return error;
  return new OptdbError('INPUT_UNREADABLE', `Cannot read ${name}: ${reasonOf(error)}`, { cause: error });
}

/** "no such file or directory (ENOENT)" rather than Node's "ENOENT: no such file or directory, open 'x'". */
function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return messageOf(error);
  const reason = messageOf(error)
    .replace(`${code}: `, '')
    .replace(/, \w+ '.*'$/, '');
  return `${reason} (${code})`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
