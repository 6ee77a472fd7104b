/**
 * Reads object keys for json-parser.ts, and hands back the string made the last time the
 * same key was read. Ingest reads the same few dozen keys, in the same order, on every
 * line: the key that followed the previous one last time is tried first (one comparison
 * instead of a loop over its characters), and a known key spares the copy and the lookup
 * that turns a new string into a property name. Only keys without escapes are kept, and
 * `__proto__` never.
 */
import { detachedText } from '../domain/detached-text.js';
import { escapedString, offFastPath, skipWhitespace, stringEnd } from './json-text.js';

const QUOTE = 0x22;
const COLON = 0x3a;
/** The key whose assignment would set an object's prototype: left to lossless-json. */
const PROTO = '__proto__';
/** Room for a few hundred distinct keys; a key whose slot another took is only read slower. */
const SLOTS = 1024;
/** Room for the key orders of a few hundred kinds of object. */
const PLACES = 4096;

/** Keys by slot, each in the slot slotOf gives it ('' for none yet). */
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
/** By slot, the number of the object that a key of that slot was last stored in. */
const storedIn = new Float64Array(SLOTS);

/** The key readKey read last, and its slot. */
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
      if (escaped.value === PROTO) offFastPath();
      lastKey = escaped.value;
      // Not kept; its slot is the one the same key written without escapes has.
      lastSlot = slotOf(lastKey, 0, lastKey.length);
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

/**
 * Whether the key of `slot` (just read) may already be in the object numbered `object`,
 * the innermost open one: the property lookup that answers exactly is needed only then.
 * Objects are numbered as they open, so while one is innermost, only it stores its own
 * number and only objects inside it store larger ones: a key it holds leaves its slot's
 * number at least its own. Keys sharing a slot, or one inside a nested object, make only
 * a needless lookup.
 */
export function mayRepeat(slot: number, object: number): boolean {
  const repeat = storedIn[slot]! >= object;
  storedIn[slot] = object;
  return repeat;
}

/** When the key at `start` is the one in `slot`: sets lastKey and lastSlot, returns the position after its closing quote; else -1. */
function guessed(text: string, start: number, slot: number): number {
  const guess = known[slot]!;
  // A slot not yet filled holds '', which stands for the empty key only in its own slot.
  if ((guess.length === 0 && slot !== 0) || !text.startsWith(guess, start) || text.charCodeAt(start + guess.length) !== QUOTE) return -1;
  lastKey = guess;
  lastSlot = slot;
  return start + guess.length + 1;
}

/** The slot of the key from `start` to `end` (no escapes), where it is now kept. */
function remember(text: string, start: number, end: number): number {
  const length = end - start;
  const slot = slotOf(text, start, end);
  const key = known[slot]!;
  if (key.length !== length || !text.startsWith(key, start)) {
    // Never known, so never guessed: every `__proto__` passes here.
    if (text.startsWith(PROTO, start) && length === PROTO.length) offFastPath();
    // Kept across lines: it must not keep its line alive.
    known[slot] = detachedText(text.slice(start, end));
  }
  return slot;
}

/** The slot of the key written from `start` to `end`, by its length and a few of its characters. */
function slotOf(text: string, start: number, end: number): number {
  const length = end - start;
  if (length === 0) return 0;
  return (length * 61 + text.charCodeAt(start) * 7 + text.charCodeAt(start + (length >>> 1)) * 3 + text.charCodeAt(end - 1)) & (SLOTS - 1);
}
