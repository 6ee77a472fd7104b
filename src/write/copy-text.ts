/**
 * PostgreSQL COPY text format: tab-separated columns, `\N` for null, and backslash,
 * tab, newline and carriage return escaped so that any string survives intact.
 *
 * A batch's COPY data is built as one string before the COPY starts, so the server
 * receives it at network speed instead of waiting on the client between chunks. A batch
 * is bounded in bytes (see batch.ts), so the string is too.
 *
 * The text is written as UTF-8 into one byte buffer, reused from batch to batch, and read
 * back as a string in one step. Joining a batch's values with `+` would build a tree of
 * tens of thousands of string pieces — garbage the collector copies while the batch is
 * built, and a tree the encoder has to walk.
 */
import type { TableRow } from './tables.js';

/** Items as COPY lines, each item's values given by `toValues`. */
export function copyText<T>(items: readonly T[], toValues: (item: T) => readonly (string | null | undefined)[]): string {
  const out = new CopyTextWriter();
  for (const item of items) {
    const values = toValues(item);
    for (let i = 0; i < values.length; i++) out.value(values[i], i === 0);
    out.byte(NEWLINE);
  }
  return out.text();
}

/** Table rows as COPY lines of the named columns (read straight from each row: no array per row). */
export function copyTextOfRows(rows: readonly TableRow[], columns: readonly string[]): string {
  const out = new CopyTextWriter();
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) out.value(row[columns[i]!], i === 0);
    out.byte(NEWLINE);
  }
  return out.text();
}

const TAB = 0x09;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BACKSLASH = 0x5c;
const LETTER_N = 0x4e;
const LETTER_n = 0x6e;
const LETTER_r = 0x72;
const LETTER_t = 0x74;

// Shared by every writer: a COPY text is built synchronously, start to end, and read out
// as a string (a copy) before the next one begins. Grown for a large batch, it goes back
// to this size after it.
const BUFFER_BYTES = 1024 * 1024;
let buffer = new Uint8Array(BUFFER_BYTES);

class CopyTextWriter {
  private length = 0;
  /** No byte above 0x7f: the text reads back as Latin-1, a plain copy. */
  private ascii = true;

  /** A value, after a tab unless it is the line's first. */
  value(value: string | null | undefined, first: boolean): void {
    // The most a value can take: 3 bytes for each UTF-16 unit (a surrogate pair, 2 units, takes 4).
    this.reserve(2 + (value === null || value === undefined ? 2 : value.length * 3));
    const bytes = buffer;
    let at = this.length;
    if (!first) bytes[at++] = TAB;
    if (value === null || value === undefined) {
      bytes[at++] = BACKSLASH;
      bytes[at++] = LETTER_N;
      this.length = at;
      return;
    }
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x20 && c < 0x80 && c !== BACKSLASH) bytes[at++] = c;
      else if (c < 0x80) at = escape(bytes, at, c);
      else {
        this.ascii = false;
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length && isLowSurrogate(value.charCodeAt(i + 1))) {
          at = writeCodePoint(bytes, at, 0x10000 + ((c - 0xd800) << 10) + (value.charCodeAt(++i) - 0xdc00));
        } else {
          // A lone surrogate is written as U+FFFD, as Buffer.from writes it.
          at = writeCodePoint(bytes, at, c >= 0xd800 && c <= 0xdfff ? 0xfffd : c);
        }
      }
    }
    this.length = at;
  }

  byte(byte: number): void {
    this.reserve(1);
    buffer[this.length++] = byte;
  }

  text(): string {
    const text = Buffer.from(buffer.buffer, buffer.byteOffset, this.length).toString(this.ascii ? 'latin1' : 'utf8');
    if (buffer.length > BUFFER_BYTES) buffer = new Uint8Array(BUFFER_BYTES);
    return text;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= buffer.length) return;
    const grown = new Uint8Array(Math.max(buffer.length * 2, this.length + bytes));
    grown.set(buffer.subarray(0, this.length));
    buffer = grown;
  }
}

/** An ASCII control character or backslash: escaped where COPY needs it, kept otherwise. */
function escape(bytes: Uint8Array, at: number, c: number): number {
  const escaped = c === BACKSLASH ? BACKSLASH : c === TAB ? LETTER_t : c === NEWLINE ? LETTER_n : c === CARRIAGE_RETURN ? LETTER_r : -1;
  if (escaped === -1) {
    bytes[at] = c;
    return at + 1;
  }
  bytes[at] = BACKSLASH;
  bytes[at + 1] = escaped;
  return at + 2;
}

/** A code point above U+007F in UTF-8. */
function writeCodePoint(bytes: Uint8Array, at: number, point: number): number {
  if (point < 0x800) {
    bytes[at] = 0xc0 | (point >> 6);
    bytes[at + 1] = 0x80 | (point & 0x3f);
    return at + 2;
  }
  if (point < 0x10000) {
    bytes[at] = 0xe0 | (point >> 12);
    bytes[at + 1] = 0x80 | ((point >> 6) & 0x3f);
    bytes[at + 2] = 0x80 | (point & 0x3f);
    return at + 3;
  }
  bytes[at] = 0xf0 | (point >> 18);
  bytes[at + 1] = 0x80 | ((point >> 12) & 0x3f);
  bytes[at + 2] = 0x80 | ((point >> 6) & 0x3f);
  bytes[at + 3] = 0x80 | (point & 0x3f);
  return at + 4;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
