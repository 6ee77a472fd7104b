/**
 * Splits a byte stream into text lines, each bounded: a line longer than `maxLength`
 * characters is not kept whole — it is yielded as an OverlongLine (its start and its
 * length) once its end is found, and reading goes on with the next line. Memory holds at
 * most one line of `maxLength`, whatever the input. A trailing `\r` (CRLF files) is
 * removed; the final line needs no newline.
 */
import { StringDecoder } from 'node:string_decoder';

/** A line over the limit: what a reject needs of it. */
export class OverlongLine {
  constructor(
    /** Its first characters. */
    readonly head: string,
    /** Its length in characters. */
    readonly length: number,
  ) {}
}

/** How much of an overlong line is kept to show in a reject. */
const HEAD_LENGTH = 200;

export async function* readLines(chunks: AsyncIterable<Buffer>, maxLength: number): AsyncGenerator<string | OverlongLine> {
  // The decoder keeps a multi-byte character split between chunks whole.
  const decoder = new StringDecoder('utf8');
  // Pieces of the line being read; newlines are searched in new text only, so a long
  // line costs linear time.
  let pieces: string[] = [];
  let length = 0;
  let overlong: string | undefined; // the head of the line being skipped
  const take = (piece: string) => {
    length += piece.length;
    if (overlong !== undefined) return;
    if (length <= maxLength) pieces.push(piece);
    else {
      overlong = (pieces.join('') + piece).slice(0, HEAD_LENGTH);
      pieces = [];
    }
  };
  const end = (): string | OverlongLine => {
    const line = overlong === undefined ? withoutCr(pieces.join('')) : new OverlongLine(overlong, length);
    pieces = [];
    length = 0;
    overlong = undefined;
    return line;
  };
  for await (const chunk of chunks) {
    const text = decoder.write(chunk);
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      take(text.slice(start, newline));
      yield end();
      start = newline + 1;
    }
    if (start < text.length) take(text.slice(start));
  }
  take(decoder.end());
  if (length > 0) yield end();
}

function withoutCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
