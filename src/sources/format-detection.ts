/**
 * Which reader an input needs: by file extension (after `.gz`), otherwise by looking
 * at its first line. An NDJSON line is a complete object; a response page written
 * over several lines is not complete on its first line.
 */
import { jsonParser } from 'stream-json/core/parser.js';
import { isPageKey } from './snapshot-page.js';
import type { InputFormat } from './source-record.js';

export type Sniffed = { kind: 'format'; format: InputFormat } | { kind: 'empty' } | { kind: 'unknown'; what: string };

/**
 * Most bytes looked at. A first line longer than this (a one-line page, a huge NDJSON
 * record) is judged by the top-level keys seen in it.
 */
export const SNIFF_LIMIT = 1024 * 1024;

const EXTENSIONS: Readonly<Record<string, InputFormat>> = {
  '.json': 'chain-json',
  '.ndjson': 'chain-ndjson',
  '.jsonl': 'chain-ndjson',
  '.csv': 'day-aggs-csv',
};

export function formatFromName(name: string): InputFormat | undefined {
  const plain = name.toLowerCase().replace(/\.gz$/, '');
  const extension = /\.[a-z]+$/.exec(plain)?.[0];
  return extension === undefined ? undefined : EXTENSIONS[extension];
}

/** True once the prefix holds a whole first non-blank line: enough to sniff. */
export function hasFirstLine(prefix: Buffer): boolean {
  let i = 0;
  while (i < prefix.length && isSpace(prefix[i] ?? 0)) i += 1;
  return i < prefix.length && prefix.indexOf(0x0a, i) !== -1;
}

/** `complete`: the prefix is the whole input. */
export function sniffFormat(prefix: Buffer, complete: boolean): Sniffed {
  const text = prefix
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text === '') return complete ? { kind: 'empty' } : { kind: 'unknown', what: 'only whitespace at the start' };
  const newline = text.indexOf('\n');
  const line = newline === -1 ? text : text.slice(0, newline);
  const cut = newline === -1 && !complete;

  if (line.startsWith('[')) return { kind: 'format', format: 'chain-json' };
  if (line.startsWith('{')) return { kind: 'format', format: sniffObjectLine(line, cut) };
  if (/ticker/i.test(line) && line.includes(',')) return { kind: 'format', format: 'day-aggs-csv' };
  return { kind: 'unknown', what: `it starts with ${describe(prefix.subarray(0, 16))}` };
}

function sniffObjectLine(line: string, cut: boolean): InputFormat {
  const shape = objectShape(line);
  if (shape.pageKey) return 'chain-json';
  switch (shape.state) {
    case 'complete':
      return 'chain-ndjson';
    // A first line that is not even the start of a JSON document: no JSON reader will
    // get past it, but the NDJSON reader reports it and reads the lines after it.
    case 'error':
      return 'chain-ndjson';
    case 'open':
      // Cut at the limit, a result is far likelier than a page that hides its keys.
      return cut ? 'chain-ndjson' : 'chain-json';
  }
}

/** Tokenizes the line: did the object close, and did a page key appear at its top level? */
function objectShape(line: string): { state: 'complete' | 'open' | 'error'; pageKey: boolean } {
  const tokenize = jsonParser({ packValues: true, streamValues: false });
  let tokens;
  try {
    tokens = tokenize(line);
  } catch {
    return { state: 'error', pageKey: false };
  }
  let depth = 0;
  let pageKey = false;
  if (typeof tokens !== 'symbol') {
    for (const token of tokens.values) {
      if (token.name === 'startObject' || token.name === 'startArray') depth += 1;
      else if (token.name === 'endObject' || token.name === 'endArray') depth -= 1;
      else if (token.name === 'keyValue' && depth === 1 && isPageKey(token.value)) pageKey = true;
      if (depth === 0) return { state: 'complete', pageKey };
    }
  }
  return { state: 'open', pageKey };
}

function describe(bytes: Buffer): string {
  const printable = [...bytes].every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d);
  if (printable) return JSON.stringify(bytes.toString('latin1'));
  return `bytes ${bytes.toString('hex').replace(/(..)(?!$)/g, '$1 ')}`;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}
