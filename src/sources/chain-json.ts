/**
 * chain-json: one Polygon snapshot response page (or a bare array of results), read
 * as a stream of tokens so that memory holds one result at a time. `location` is the
 * 1-based index in `results`.
 */
import { StringDecoder } from 'node:string_decoder';
import { stringify } from 'lossless-json';
import { jsonParser } from 'stream-json/core/parser.js';
import { jsonRecord, unreadableRecord } from './records.js';
import { ResultsWalker, type WalkerOutput } from './results-walker.js';
import type { SourceRecord } from './source-record.js';

const FORMAT = 'chain-json';

export async function* readChainJson(source: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord> {
  const tokenize = jsonParser({ packValues: true, streamValues: false });
  const walker = new ResultsWalker(source);
  const decoder = new StringDecoder('utf8');
  let index = 0;
  let atStart = true;

  const records = function* (outputs: WalkerOutput[]): Generator<SourceRecord> {
    for (const output of outputs) {
      index += 1;
      yield output.kind === 'result'
        ? jsonRecord(source, FORMAT, index, output.value)
        : unreadableRecord(source, FORMAT, index, stringify(output.page) ?? '', output.reason);
    }
  };

  // A parse error ends the document: what follows cannot be located reliably.
  const feed = (text: string): string | undefined => {
    let tokens;
    try {
      tokens = tokenize(text);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    if (typeof tokens !== 'symbol') for (const token of tokens.values) walker.consume(token);
    return undefined;
  };

  for await (const chunk of chunks) {
    let text = decoder.write(chunk);
    if (atStart && text.length > 0) {
      text = text.replace(/^\uFEFF/, '');
      atStart = false;
    }
    const problem = feed(text);
    yield* records(walker.take());
    if (problem !== undefined) {
      yield unreadableRecord(source, FORMAT, index + 1, '', `malformed JSON: ${problem}`);
      return;
    }
  }
  const problem = feed(decoder.end());
  yield* records(walker.take());
  // The tokenizer waits for more text rather than failing, so a truncated document is
  // noticed here: a top-level value that never closed.
  if (problem !== undefined || walker.unfinished) {
    yield unreadableRecord(source, FORMAT, index + 1, '', `malformed JSON: ${problem ?? 'unexpected end of input'}`);
  }
}
