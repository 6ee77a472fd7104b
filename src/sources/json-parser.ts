/**
 * JSON text → JsonValue: exactly the value lossless-json's `parse` gives for the same
 * text (every number a LosslessNumber of its exact text, see json-value.ts), in about 40 %
 * of the time. chain-ndjson parses every line with it: lossless-json was a third of a
 * row's cost.
 *
 * Why not a library: lossless-json is the exact one, but slow (it builds each string a
 * character at a time and tries each kind of value in turn); JSON.parse rounds numbers,
 * and Node 20 has no reviver that sees a number's source text; stream-json hands numbers
 * over as text but through an event per token, slower still.
 *
 * The fast path reads what ingest meets: valid JSON, shallow, no key twice. Anything else
 * is handed to lossless-json itself, so that the value or the error is its own: a syntax
 * error (its message says what was expected where), a key an object already has
 * (lossless-json keeps a repeated key whose values are equal and refuses one whose values
 * differ), a `__proto__` key (it must become an own property, not set the prototype),
 * nesting deeper than MAX_DEPTH (lossless-json recurses, and where it runs out of stack
 * depends on the stack). Other keys plain objects inherit (`constructor`, `toString`)
 * become own properties by assignment, as lossless-json makes them.
 */
import { LosslessNumber, parse as parseLossless } from 'lossless-json';
import type { JsonObject, JsonValue } from '../domain/json-value.js';
import { lastKey, lastSlot, mayRepeat, readKey } from './json-keys.js';
import { escapedString, OFF_FAST_PATH, offFastPath, skipWhitespace } from './json-text.js';

/** Deeper than any result or page nests, far shallower than a stack overflow. */
const MAX_DEPTH = 64;

/**
 * A LosslessNumber made without its constructor, which checks the text against a regular
 * expression: the parser has just read that text as a JSON number. Same prototype, same
 * own properties in the same order: a LosslessNumber to every reader.
 */
const ExactNumber = function (this: LosslessNumber, value: string) {
  this.value = value;
  this.isLosslessNumber = true;
} as unknown as new (value: string) => LosslessNumber;
ExactNumber.prototype = LosslessNumber.prototype;

const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
const UPPER_E = 0x45;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

type Container = JsonObject | JsonValue[];

// The containers open around the one being filled, and the key each waits to store it
// under. Module state: a parse calls nothing that could start another.
const open: (Container | undefined)[] = [];
const openKeys: string[] = [];
const openContexts: number[] = [];
const openSerials: number[] = [];
/** Objects are numbered as they open, across parses: see mayRepeat. */
let objectsOpened = 0;

export function parseJson(text: string): JsonValue {
  return parseJsonFast(text) ?? (parseLossless(text) as JsonValue);
}

/** The value of a text the fast path reads; undefined for one it leaves to lossless-json (see above). */
export function parseJsonFast(text: string): JsonValue | undefined {
  try {
    return parseFast(text);
  } catch (error) {
    if (error === OFF_FAST_PATH) return undefined;
    throw error;
  } finally {
    open.length = 0;
    openKeys.length = 0;
    openContexts.length = 0;
    openSerials.length = 0;
  }
}

/**
 * One loop, no recursion: read a value; one that opens an object or array becomes the
 * container its first member goes into; any other is stored in the container, and each
 * container that ends right after it is stored in its own, until one goes on (a comma).
 * The loops over characters are written out here, not called: this is the hot loop of a
 * chain ingest, and V8 does not inline calls into a function this long.
 */
function parseFast(text: string): JsonValue {
  let i = 0;
  let container: Container | undefined;
  let key = '';
  // What predicts the keys of the object being read (see json-keys.ts): the key it is the
  // value of, or for an array's elements, the array's.
  let keySlot = 0;
  let context = 0;
  let serial = 0;
  for (;;) {
    let value: JsonValue;
    let code = text.charCodeAt(i);
    while (code === SPACE || code === NEWLINE || code === RETURN || code === TAB) code = text.charCodeAt(++i);
    if (code === QUOTE) {
      const start = ++i;
      for (code = text.charCodeAt(i); code !== QUOTE; code = text.charCodeAt(++i)) {
        // Control characters must be escaped; NaN is the end of the text.
        if (code === BACKSLASH || !(code >= SPACE)) break;
      }
      if (code === QUOTE) {
        value = text.slice(start, i);
        i++;
      } else {
        const escaped = escapedString(text, start);
        value = escaped.value;
        i = escaped.end;
      }
    } else if (code === MINUS || (code >= ZERO && code <= NINE)) {
      // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
      const start = i;
      if (code === MINUS) code = text.charCodeAt(++i);
      if (code === ZERO) code = text.charCodeAt(++i);
      else if (code >= ONE && code <= NINE) {
        do code = text.charCodeAt(++i);
        while (code >= ZERO && code <= NINE);
      } else offFastPath();
      if (code === DOT) {
        code = text.charCodeAt(++i);
        if (!(code >= ZERO && code <= NINE)) offFastPath();
        do code = text.charCodeAt(++i);
        while (code >= ZERO && code <= NINE);
      }
      if (code === LOWER_E || code === UPPER_E) {
        code = text.charCodeAt(++i);
        if (code === PLUS || code === MINUS) code = text.charCodeAt(++i);
        if (!(code >= ZERO && code <= NINE)) offFastPath();
        do code = text.charCodeAt(++i);
        while (code >= ZERO && code <= NINE);
      }
      value = new ExactNumber(text.slice(start, i));
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      const opening = code;
      code = text.charCodeAt(++i);
      while (code === SPACE || code === NEWLINE || code === RETURN || code === TAB) code = text.charCodeAt(++i);
      if (code === (opening === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) {
        value = opening === OPEN_BRACE ? {} : [];
        i++;
      } else {
        if (open.length === MAX_DEPTH) offFastPath();
        open.push(container);
        openKeys.push(key);
        openContexts.push(context);
        openSerials.push(serial);
        if (!Array.isArray(container)) context = keySlot;
        if (opening === OPEN_BRACE) {
          container = {};
          serial = ++objectsOpened;
          i = readKey(text, i, context);
          key = lastKey;
          keySlot = lastSlot;
          if (mayRepeat(keySlot, serial)) leaveRepeated(container, key);
        } else container = [];
        continue;
      }
    } else if (code === LOWER_T && text.startsWith('true', i)) {
      value = true;
      i += 4;
    } else if (code === LOWER_F && text.startsWith('false', i)) {
      value = false;
      i += 5;
    } else if (code === LOWER_N && text.startsWith('null', i)) {
      value = null;
      i += 4;
    } else return offFastPath();

    for (;;) {
      code = text.charCodeAt(i);
      while (code === SPACE || code === NEWLINE || code === RETURN || code === TAB) code = text.charCodeAt(++i);
      if (container === undefined) return i === text.length ? value : offFastPath();
      i++;
      if (Array.isArray(container)) {
        container.push(value);
        if (code === COMMA) break;
        if (code !== CLOSE_BRACKET) offFastPath();
      } else {
        container[key] = value;
        if (code === COMMA) {
          i = readKey(text, skipWhitespace(text, i), context);
          key = lastKey;
          keySlot = lastSlot;
          if (mayRepeat(keySlot, serial)) leaveRepeated(container, key);
          break;
        }
        if (code !== CLOSE_BRACE) offFastPath();
      }
      value = container;
      container = open.pop();
      key = openKeys.pop()!;
      context = openContexts.pop()!;
      serial = openSerials.pop()!;
    }
  }
}

/** Leaves to lossless-json an object that has the key already. */
function leaveRepeated(object: JsonObject, key: string): void {
  if (Object.hasOwn(object, key)) offFastPath();
}
