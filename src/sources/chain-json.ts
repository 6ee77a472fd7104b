/**
 * chain-json: one Polygon snapshot response page (or a bare array of results), read
 * as a stream of tokens so that memory holds one result at a time. `location` is the
 * 1-based index in `results`.
 */
import { StringDecoder } from 'node:string_decoder';
import { stringify } from 'lossless-json';
import { jsonParser } from 'stream-json/core/parser.js';
import { OptdbError } from '../errors.js';
import { jsonRecord, unreadableRecord } from './records.js';
import { ResultsWalker, type WalkerOutput } from './results-walker.js';
import type { SourceRecord } from './source-record.js';

const FORMAT = 'chain-json';

/**
 * Text is fed to the tokenizer in pieces that end at a `}` or `]`. A syntax error
 * throws away the tokens of the piece it is in, so this way every result that closed
 * before the error is still yielded (and it costs nothing: the tokenizer is no slower
 * on short pieces).
 */
const PIECE_END = /[}\]]/g;
/** How much of the text around a syntax error, or before a truncation, a reject shows. */
const CONTEXT_CHARS = 200;
/**
 * The most text one result (or the page's own fields) may span: a result is a few KB. Past
 * this the document is not a snapshot page, and reading it stops there rather than hold
 * an unbounded value (a gzip bomb of one endless string) in memory.
 */
const MAX_VALUE_CHARS = 32 * 1024 * 1024;

interface SyntaxProblem {
  readonly message: string;
  /** The text read up to where the parser gave up. */
  readonly near: string;
}

export async function* readChainJson(source: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord> {
  const tokenize = jsonParser({ packValues: true, streamValues: false });
  const walker = new ResultsWalker(source);
  const decoder = new StringDecoder('utf8');
  let index = 0;
  let started = false;
  // The end of the text read so far: what a truncated document's reject shows.
  let tail = '';
  // Text read since the last result was completed.
  let sinceResult = 0;

  const records = function* (outputs: WalkerOutput[]): Generator<SourceRecord> {
    for (const output of outputs) {
      index += 1;
      yield output.kind === 'result'
        ? jsonRecord(source, FORMAT, index, output.value)
        : unreadableRecord(source, FORMAT, index, stringify(output.page) ?? '', output.reason);
    }
  };

  /** Returns the parser's message on a syntax error: the document ends there. */
  const feed = (text: string): SyntaxProblem | undefined => {
    tail = (tail + text).slice(-CONTEXT_CHARS);
    if (!started) {
      text = text.replace(/^\uFEFF/, '');
      const first = /\S/.exec(text)?.[0];
      if (first === undefined) return undefined;
      started = true;
      // The tokenizer would wait for the end of a bare number or literal; say it now.
      if (first !== '{' && first !== '[') throw notADocument(source, first);
    }
    const pieceEnd = new RegExp(PIECE_END);
    let start = 0;
    while (start < text.length) {
      const end = pieceEnd.exec(text) === null ? text.length : pieceEnd.lastIndex;
      sinceResult += end - start;
      if (sinceResult > MAX_VALUE_CHARS)
        return {
          message: `a value longer than ${MAX_VALUE_CHARS} characters: not a snapshot page`,
          near: text.slice(start, Math.min(end, start + CONTEXT_CHARS)),
        };
      const completedBefore = walker.completed;
      try {
        const tokens = tokenize(text.slice(start, end));
        if (typeof tokens !== 'symbol') for (const token of tokens.values) walker.consume(token);
        if (walker.completed > completedBefore) sinceResult = 0;
      } catch (error) {
        if (error instanceof OptdbError) throw error;
        const near = text.slice(Math.max(0, end - CONTEXT_CHARS), end);
        return { message: error instanceof Error ? error.message : String(error), near };
      }
      start = end;
    }
    return undefined;
  };

  for await (const chunk of chunks) {
    const problem = feed(decoder.write(chunk));
    yield* records(walker.take());
    if (problem !== undefined) {
      yield unreadableRecord(source, FORMAT, index + 1, problem.near, `malformed JSON: ${problem.message}`);
      return;
    }
  }
  const problem = feed(decoder.end());
  yield* records(walker.take());
  // The tokenizer waits for more text rather than failing, so a truncated document is
  // noticed here: a top-level value that never closed.
  if (problem !== undefined || walker.unfinished) {
    yield unreadableRecord(
      source,
      FORMAT,
      index + 1,
      problem?.near ?? tail,
      `malformed JSON: ${problem?.message ?? 'unexpected end of input'}`,
    );
  }
}

function notADocument(source: string, first: string): OptdbError {
  return new OptdbError(
    'INPUT_FORMAT',
    `${source}: the JSON document starts with ${JSON.stringify(first)}, not an object or array of results`,
  );
}
