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
/** Room for the key orders of a few hundred kinds of object. */
const PLACES = 4096;

/** Keys by slot ('' for none yet: it stands for itself). */
const known: string[] = new Array<string>(SLOTS).fill('');
/**
 * The slot of the key that came next last time, by the place of the key before it: that
 * key's slot mixed with the object's context (the key the object is the value of), as
 * the same key is followed by different ones in different objects (`last_updated` in
 * `day` and in `last_quote`).
 */
const following = new Int32Array(PLACES);
/** The key that came next the time before: objects of one kind differ in the fields they have. */
const alsoFollowing = new Int32Array(PLACES);
let previous = 0;

/** The key readKey read last, and its slot (0 for a key with escapes, which is not kept). */
export let lastKey = '';
export let lastSlot = 0;

/**
 * Reads `"key":` at `i` (whitespace allowed before the colon) into lastKey, in an object
 * whose context is the slot of the key it is the value of; returns the position after
 * the colon.
 */
export function readKey(text: string, i: number, context: number): number {
  if (text.charCodeAt(i) !== QUOTE) offFastPath();
  const start = i + 1;
  const place = (previous * 31 + context) & (PLACES - 1);
  let end = guessed(text, start, following[place]!);
  if (end < 0) {
    end = guessed(text, start, alsoFollowing[place]!);
    // The other order of the two is the likelier now: swap them.
    if (end >= 0) {
      alsoFollowing[place] = following[place]!;
      following[place] = lastSlot;
    }
  }
  if (end < 0) {
    const quote = stringEnd(text, start);
    if (quote < 0) {
      const escaped = escapedString(text, start);
      lastKey = escaped.value;
      lastSlot = 0;
      end = escaped.end;
    } else {
      lastSlot = remember(text, start, quote);
      lastKey = known[lastSlot]!;
      alsoFollowing[place] = following[place]!;
      following[place] = lastSlot;
      end = quote + 1;
    }
  }
  previous = lastSlot;
  const colon = skipWhitespace(text, end);
  if (text.charCodeAt(colon) !== COLON) offFastPath();
  return colon + 1;
}

/** When the key at `start` is the one in `slot`: sets lastKey and lastSlot, returns the position after its closing quote; else -1. */
function guessed(text: string, start: number, slot: number): number {
  const guess = known[slot]!;
  if (!text.startsWith(guess, start) || text.charCodeAt(start + guess.length) !== QUOTE) return -1;
  lastKey = guess;
  lastSlot = slot;
  return start + guess.length + 1;
}

/** The slot of the key from `start` to `end` (no escapes), where it is now kept. */
function remember(text: string, start: number, end: number): number {
  const length = end - start;
  const slot =
    length === 0
      ? 0
      : (length * 61 + text.charCodeAt(start) * 7 + text.charCodeAt((start + end) >>> 1) * 3 + text.charCodeAt(end - 1)) & (SLOTS - 1);
  const key = known[slot]!;
  // Kept across lines: it must not keep its line alive.
  if (key.length !== length || !text.startsWith(key, start)) known[slot] = detachedText(text.slice(start, end));
  return slot;
}
