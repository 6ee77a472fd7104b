/**
 * Reads object keys for json-parser.ts, and hands back the string made the last time the
 * same key was read. Ingest reads the same few dozen keys, in the same order, on every
 * line: the key that followed the previous one last time is tried first (one comparison
 * instead of a loop over its characters), and a known key spares the copy and the lookup
 * that turns a new string into a property name. Only keys without escapes are kept.
 */
import { detachedText } from '../domain/detached-text.js';
import { escapedString, offFastPath, skipWhitespace, stringEnd } from './json-text.js';

const QUOTE = 0x22;
const COLON = 0x3a;
/** Room for a few hundred distinct keys; a key whose slot another took is only read slower. */
const SLOTS = 1024;

/** Keys by slot ('' for none yet: it stands for itself). */
const known: string[] = new Array<string>(SLOTS).fill('');
/** By the slot of a key, the slot of the key that followed it last time. */
const following = new Int32Array(SLOTS);
let previous = 0;

/** The key readKey read last. */
export let lastKey = '';

/** Reads `"key":` at `i` (whitespace allowed before the colon) into lastKey; returns the position after the colon. */
export function readKey(text: string, i: number): number {
  if (text.charCodeAt(i) !== QUOTE) offFastPath();
  const start = i + 1;
  const guessSlot = following[previous]!;
  const guess = known[guessSlot]!;
  let end: number;
  if (text.startsWith(guess, start) && text.charCodeAt(start + guess.length) === QUOTE) {
    lastKey = guess;
    previous = guessSlot;
    end = start + guess.length + 1;
  } else {
    const quote = stringEnd(text, start);
    if (quote < 0) {
      const escaped = escapedString(text, start);
      lastKey = escaped.value;
      end = escaped.end;
    } else {
      lastKey = remember(text, start, quote);
      end = quote + 1;
    }
  }
  const colon = skipWhitespace(text, end);
  if (text.charCodeAt(colon) !== COLON) offFastPath();
  return colon + 1;
}

/** The key from `start` to `end` (no escapes): the same string as last time when known. */
function remember(text: string, start: number, end: number): string {
  const length = end - start;
  const slot =
    length === 0
      ? 0
      : (length * 61 + text.charCodeAt(start) * 7 + text.charCodeAt((start + end) >>> 1) * 3 + text.charCodeAt(end - 1)) & (SLOTS - 1);
  let key = known[slot]!;
  if (key.length !== length || !text.startsWith(key, start)) {
    // Kept across lines: it must not keep its line alive.
    key = detachedText(text.slice(start, end));
    known[slot] = key;
  }
  following[previous] = slot;
  previous = slot;
  return key;
}
