/**
 * Splits a byte stream into text lines. There is no line-length limit: memory grows
 * with the longest line only. A trailing `\r` (CRLF files) is removed; the final line
 * needs no newline.
 */
import { StringDecoder } from 'node:string_decoder';

export async function* readLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  // The decoder keeps a multi-byte character split between chunks whole.
  const decoder = new StringDecoder('utf8');
  // Pieces of the line being read; newlines are searched in new text only, so a long
  // line costs linear time.
  let pieces: string[] = [];
  for await (const chunk of chunks) {
    const text = decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      pieces.push(text.slice(start, end));
      yield withoutCr(pieces.join(''));
      pieces = [];
      start = end + 1;
    }
    if (start < text.length) pieces.push(text.slice(start));
  }
  pieces.push(decoder.end());
  const last = pieces.join('');
  if (last.length > 0) yield withoutCr(last);
}

function withoutCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
