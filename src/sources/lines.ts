/**
 * Splits a byte stream into text lines, each bounded: a line longer than `maxLength`
 * characters is not kept whole — it is yielded as an OverlongLine (its start and its
 * length) once its end is found, and reading goes on with the next line. Memory holds at
 * most one line of `maxLength` besides the chunk being split, whatever the input. A
 * trailing `\r` (CRLF files) is removed; the final line needs no newline.
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
const CR = 13;

/** The lines one at a time. */
export async function* readLines(chunks: AsyncIterable<Buffer>, maxLength: number): AsyncGenerator<string | OverlongLine> {
  for await (const lines of readLineBatches(chunks, maxLength)) yield* lines;
}

/**
 * The lines a chunk at a time: the lines each chunk completes, in one array. A reader
 * that spends less on a line than an await costs (a flat-file row) takes them so.
 */
export async function* readLineBatches(chunks: AsyncIterable<Buffer>, maxLength: number): AsyncGenerator<(string | OverlongLine)[]> {
  // The decoder keeps a multi-byte character split between chunks whole.
  const decoder = new StringDecoder('utf8');
  // The start of a line that chunks so far did not end: its pieces (newlines are searched
  // in new text only, so a long line costs linear time), or its head once it is overlong.
  let pieces: string[] = [];
  let length = 0;
  let overlong: string | undefined;
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
    const lines: (string | OverlongLine)[] = [];
    let start = 0;
    let newline = text.indexOf('\n');
    if (newline !== -1 && length > 0) {
      // The line begun in earlier chunks ends here.
      take(text.slice(0, newline));
      lines.push(end());
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    // Lines whole within this chunk are sliced out directly: no pieces to join.
    for (; newline !== -1; newline = text.indexOf('\n', start)) {
      const lineLength = newline - start;
      if (lineLength > maxLength) lines.push(new OverlongLine(text.slice(start, Math.min(newline, start + HEAD_LENGTH)), lineLength));
      else lines.push(text.slice(start, lineLength > 0 && text.charCodeAt(newline - 1) === CR ? newline - 1 : newline));
      start = newline + 1;
    }
    if (start < text.length) take(text.slice(start));
    if (lines.length > 0) yield lines;
  }
  take(decoder.end());
  if (length > 0) yield [end()];
}

function withoutCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
