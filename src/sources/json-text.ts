/**
 * The pieces of JSON text json-parser.ts reads by hand: whitespace and strings, and the
 * signal that the text is not one the fast path reads, which sends it to lossless-json.
 */

/** The fast path met something it leaves to lossless-json. Made once: no stack to capture. */
export class OffFastPath extends Error {}
export const OFF_FAST_PATH = new OffFastPath('left to lossless-json');

export function offFastPath(): never {
  throw OFF_FAST_PATH;
}

const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const LOWER_B = 0x62;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_R = 0x72;
const LOWER_T = 0x74;
const LOWER_U = 0x75;

/** The position of the first character at or after `i` that is not JSON whitespace. */
export function skipWhitespace(text: string, i: number): number {
  let code = text.charCodeAt(i);
  while (code === SPACE || code === NEWLINE || code === RETURN || code === TAB) code = text.charCodeAt(++i);
  return i;
}

/**
 * The position of the quote that ends a string whose characters start at `start`, or -1
 * when the string holds an escape (read it with escapedString).
 */
export function stringEnd(text: string, start: number): number {
  for (let i = start; ; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) return i;
    if (code === BACKSLASH) return -1;
    // Control characters must be escaped; NaN is the end of the text.
    if (!(code >= SPACE)) offFastPath();
  }
}

/** A string that holds escapes, its characters starting at `start`; `end` is after its closing quote. */
export function escapedString(text: string, start: number): { value: string; end: number } {
  let value = '';
  let from = start;
  let i = start;
  for (;;) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) break;
    if (code === BACKSLASH) {
      value += text.slice(from, i);
      const escape = text.charCodeAt(i + 1);
      if (escape === LOWER_U) {
        value += String.fromCharCode(hexUnit(text, i + 2));
        i += 6;
      } else {
        value += escaped(escape);
        i += 2;
      }
      from = i;
    } else if (code >= SPACE) i++;
    else offFastPath();
  }
  return { value: value + text.slice(from, i), end: i + 1 };
}

/** What a one-character escape stands for, by the code of the character after the backslash. */
function escaped(code: number): string {
  switch (code) {
    case QUOTE:
      return '"';
    case BACKSLASH:
      return '\\';
    case SLASH:
      return '/';
    case LOWER_B:
      return '\b';
    case LOWER_F:
      return '\f';
    case LOWER_N:
      return '\n';
    case LOWER_R:
      return '\r';
    case LOWER_T:
      return '\t';
    default:
      return offFastPath();
  }
}

const HEX_UNIT = /^[0-9a-fA-F]{4}$/;

/** The UTF-16 code unit written as four hex digits at `position`. */
function hexUnit(text: string, position: number): number {
  const digits = text.slice(position, position + 4);
  if (!HEX_UNIT.test(digits)) offFastPath();
  return Number.parseInt(digits, 16);
}
