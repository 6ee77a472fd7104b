/**
 * The entry to the sources: open a file or stdin, work out its format, and hand back
 * its records as a stream. Everything that can be known before the first record —
 * unreadable path, unknown format — fails here, not mid-run.
 */
import { OptdbError } from '../errors.js';
import { readChainJson } from './chain-json.js';
import { readChainNdjson } from './chain-ndjson.js';
import { readDayAggsCsv } from './day-aggs-csv.js';
import { formatFromName, hasFirstLine, sniffFormat, SNIFF_LIMIT } from './format-detection.js';
import { openInputStream } from './input-stream.js';
import { INPUT_FORMATS, type InputFormat, type OpenedSource, type SourceRecord } from './source-record.js';
import type { ChunkReader } from './chunk-reader.js';

export interface OpenSourceOptions {
  /** Skips detection. */
  format?: InputFormat;
  /** Read when `name` is `-`; defaults to process.stdin. */
  stdin?: NodeJS.ReadableStream;
}

const READERS: Readonly<Record<InputFormat, (source: string, chunks: AsyncIterable<Buffer>) => AsyncGenerator<SourceRecord>>> = {
  'chain-json': readChainJson,
  'chain-ndjson': readChainNdjson,
  'day-aggs-csv': readDayAggsCsv,
};

/** Reported for an input that is empty, where any reader yields nothing. */
const EMPTY_INPUT_FORMAT: InputFormat = 'chain-ndjson';

export async function openSource(name: string, options: OpenSourceOptions = {}): Promise<OpenedSource> {
  if (options.format !== undefined && !INPUT_FORMATS.includes(options.format)) {
    throw new OptdbError('INPUT_FORMAT', `Unknown format ${JSON.stringify(options.format)}`, {
      remedy: `Pass --format ${INPUT_FORMATS.join('|')}`,
    });
  }
  const input = await openInputStream(name, options.stdin ?? process.stdin);
  let format = options.format ?? formatFromName(name);
  if (format === undefined) {
    try {
      format = await detectFormat(name, input.content);
    } catch (error) {
      await input.content.close();
      throw error;
    }
  }
  return {
    name,
    format,
    totalBytes: input.totalBytes,
    bytesRead: input.bytesRead,
    records: READERS[format](name, input.content),
  };
}

async function detectFormat(name: string, content: ChunkReader): Promise<InputFormat> {
  const prefix = await content.peek(SNIFF_LIMIT, hasFirstLine);
  // A read error with nothing read leaves nothing to judge: report it now.
  if (prefix.length === 0 && content.readError !== undefined) throw content.readError;
  const sniffed = sniffFormat(prefix, content.reachedEnd);
  switch (sniffed.kind) {
    case 'format':
      return sniffed.format;
    case 'empty':
      return EMPTY_INPUT_FORMAT;
    case 'unknown':
      throw new OptdbError('INPUT_FORMAT', `Cannot tell the format of ${name}: ${sniffed.what}; pass --format ${INPUT_FORMATS.join('|')}`);
  }
}
