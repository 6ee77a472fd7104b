/**
 * The chain readers' JSON parser gives what lossless-json's `parse` gives, text for text:
 * the same value (numbers as LosslessNumber of their exact text, keys in the same order,
 * `__proto__` an own key) or the same error. Judged on many generated documents — nested
 * objects and arrays, numbers of many digits and exponents, strings with escapes and
 * surrogates, keys objects inherit, repeated keys, odd whitespace — on realistic snapshot
 * results and pages, and on broken copies of all of these.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import type { JsonValue } from '../src/domain/json-value.js';
import { Random } from '../src/sample/random.js';
import { parseJson, parseJsonFast } from '../src/sources/json-parser.js';
import { DOCUMENTED_RESULT, sampleChain } from './harness/polygon-fixtures.js';

type Outcome = { value: unknown } | { error: string };

function outcome(parse: (text: string) => unknown, text: string): Outcome {
  try {
    return { value: parse(text) };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

function shown(text: string): string {
  return JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);
}

/** Same value (deepStrictEqual: prototypes, own keys in order of comparison, number texts) or same error. */
function assertSameAsLossless(text: string): Outcome {
  const expected = outcome(parseLossless, text);
  const actual = outcome(parseJson, text);
  assert.deepStrictEqual(actual, expected, `parseJson differs from lossless-json on ${shown(text)}`);
  if ('value' in actual) {
    assert.deepStrictEqual(keyOrders(actual.value), keyOrders((expected as { value: unknown }).value), `key order on ${shown(text)}`);
  }
  return actual;
}

/** Every object's keys in order (deepStrictEqual does not compare the order). */
function keyOrders(value: unknown): string[][] {
  const orders: string[][] = [];
  const walk = (item: unknown): void => {
    if (Array.isArray(item)) item.forEach(walk);
    else if (typeof item === 'object' && item !== null && !isLosslessNumber(item)) {
      orders.push(Object.keys(item));
      Object.values(item).forEach(walk);
    }
  };
  walk(value);
  return orders;
}

// ---------------------------------------------------------------- generated documents

const WHITESPACE = ['', '', '', '', ' ', '\n', '\t', '\r', '  ', ' \r\n '];
// Prefixes of one another (a guessed key must end where the text's does), array-index keys
// (ordered first by JavaScript), empty, and escapes.
const KEYS = [
  'a',
  'ab',
  'abc',
  'tick',
  'ticker',
  'ticker_symbol_long',
  'last_updated',
  'day',
  '',
  '0',
  '1',
  '10',
  '4294967295',
  'é',
  'a"b',
  'x\\y',
  '\u0000',
  '\ud83d\ude00',
];
/** Keys plain objects inherit: `__proto__` must become an own key, not set the prototype. */
const INHERITED_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const STRING_CHARS = [
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '/',
  '\b',
  '\f',
  '\n',
  '\r',
  '\t',
  '\u0001',
  '\u001f',
  '\u007f',
  'é',
  '中',
  '\u2028',
  '\ud83d',
  '\ude00',
  '\ufeff',
];

class Generator {
  constructor(
    private readonly random: Random,
    /** Only keys that are neither inherited nor repeated: what the fast path reads itself. */
    private readonly plainKeys = false,
  ) {}

  space(): string {
    return this.random.pick(WHITESPACE);
  }

  digits(count: number): string {
    let text = '';
    for (let k = 0; k < count; k++) text += String(this.random.integer(0, 9));
    return text;
  }

  number(): string {
    const r = this.random;
    if (r.chance(0.1))
      return r.pick([
        '0',
        '-0',
        '0.0',
        '-0.0e-0',
        '1763355600000000000',
        '9007199254740993',
        '1e400',
        '1E-400',
        '4500.' + '0'.repeat(30) + '1',
      ]);
    const sign = r.chance(0.3) ? '-' : '';
    const whole = r.chance(0.25) ? '0' : String(r.integer(1, 9)) + this.digits(r.integer(0, 24));
    const fraction = r.chance(0.5) ? `.${this.digits(r.integer(1, 20))}` : '';
    const exponent = r.chance(0.2) ? `${r.pick(['e', 'E'])}${r.pick(['', '+', '-'])}${this.digits(r.integer(1, 3))}` : '';
    return sign + whole + fraction + exponent;
  }

  /** A string's JSON text: each character written as is where JSON allows, or escaped in one of its forms. */
  string(value: string): string {
    let text = '"';
    for (const char of value.split('')) {
      const code = char.charCodeAt(0);
      const mustEscape = char === '"' || char === '\\' || code < 0x20;
      if (!mustEscape && this.random.chance(0.85)) text += char;
      else if (this.random.chance(0.5) && JSON.stringify(char).length === 4) text += JSON.stringify(char).slice(1, -1);
      else {
        const hex = code.toString(16).padStart(4, '0');
        text += `\\u${this.random.chance(0.5) ? hex : hex.toUpperCase()}`;
      }
    }
    return `${text}"`;
  }

  stringValue(): string {
    const r = this.random;
    if (r.chance(0.3)) return r.pick(['call', 'put', 'REAL-TIME', 'O:SPXW230712C04500000', '', 'american']);
    let value = '';
    const length = r.integer(0, 30);
    for (let k = 0; k < length; k++) value += r.chance(0.6) ? r.pick(['a', 'b', 'x', '1', ':', '-']) : r.pick(STRING_CHARS);
    return value;
  }

  value(depth: number): string {
    const r = this.random;
    const kind = depth >= 6 ? r.integer(0, 3) : r.integer(0, 6);
    switch (kind) {
      case 0:
        return this.number();
      case 1:
        return this.string(this.stringValue());
      case 2:
        return r.pick(['true', 'false', 'null']);
      case 3:
        return this.number();
      case 4:
      case 5:
        return this.object(depth + 1);
      default:
        return this.array(depth + 1);
    }
  }

  object(depth: number): string {
    const r = this.random;
    const members: string[] = [];
    const used = new Set<string>();
    const count = r.integer(0, 8);
    for (let k = 0; k < count; k++) {
      const key = !this.plainKeys && r.chance(0.02) ? r.pick(INHERITED_KEYS) : r.chance(0.7) ? r.pick(KEYS) : this.stringValue();
      if (used.has(key)) continue;
      used.add(key);
      const value = this.value(depth);
      members.push(`${this.space()}${this.string(key)}${this.space()}:${this.space()}${value}${this.space()}`);
      // A key written twice: with the same value (lossless-json keeps it) or another (it refuses).
      if (!this.plainKeys && r.chance(0.01)) members.push(`${this.string(key)}:${r.chance(0.5) ? value : this.value(depth)}`);
    }
    return `{${members.join(',')}${members.length === 0 ? this.space() : ''}}`;
  }

  array(depth: number): string {
    const items: string[] = [];
    const count = this.random.integer(0, 6);
    for (let k = 0; k < count; k++) items.push(`${this.space()}${this.value(depth)}${this.space()}`);
    return `[${items.join(',')}${items.length === 0 ? this.space() : ''}]`;
  }

  document(): string {
    return `${this.space()}${this.random.chance(0.8) ? this.object(0) : this.value(0)}${this.space()}`;
  }
}

/** A broken (or, by chance, still valid) copy of a text. */
function mutated(random: Random, text: string): string {
  const at = random.integer(0, text.length);
  const junk = random.pick([
    '',
    '"',
    '\\',
    ',',
    ':',
    '{',
    '}',
    '[',
    ']',
    '0',
    '-',
    '.',
    'e',
    '+',
    'x',
    ' ',
    '\u0000',
    '\ufeff',
    'true',
    'nul',
  ]);
  switch (random.integer(0, 4)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return text.slice(0, at) + junk + text.slice(at);
    case 2:
      return text.slice(0, at) + text.slice(at + 1);
    case 3:
      return text + junk;
    default:
      return junk + text;
  }
}

test('generated documents parse to what lossless-json gives, and broken copies fail with its error', () => {
  const random = new Random(20251117);
  const generate = new Generator(random);
  let accepted = 0;
  let rejected = 0;
  for (let n = 0; n < 6000; n++) {
    const text = generate.document();
    const result = assertSameAsLossless(text);
    if ('value' in result) accepted++;
    else rejected++;
    for (let m = 0; m < 3; m++) {
      if ('value' in assertSameAsLossless(mutated(random, text))) accepted++;
      else rejected++;
    }
  }
  // Both outcomes are exercised in earnest, not one of them by accident.
  assert.ok(accepted > 4000 && rejected > 4000, `accepted ${accepted}, rejected ${rejected}`);
});

test('the fast path reads every document without repeated or inherited keys itself, to the same value', () => {
  const generate = new Generator(new Random(7), true);
  for (let n = 0; n < 3000; n++) {
    const text = generate.document();
    const value = parseJsonFast(text);
    assert.notEqual(value, undefined, `left to lossless-json: ${shown(text)}`);
    assert.deepStrictEqual(value, parseLossless(text), shown(text));
    assert.deepStrictEqual(keyOrders(value), keyOrders(parseLossless(text)), shown(text));
  }
});

test('snapshot results and pages as Polygon writes them are read by the fast path, every number with its exact text', () => {
  const results = [DOCUMENTED_RESULT, ...sampleChain('SPY', 40), ...sampleChain('I:SPX', 40), ...sampleChain('AAPL', 40)];
  const page = `{"status":"OK","request_id":"6a7e466379af0a71039d60cc78e72282","results":[${results.join(',')}],"next_url":"https://api.polygon.io/v3/snapshot/options/SPY?cursor=YWN0aXZlPXRydWU"}`;
  for (const text of [...results, page, ...results.map((r) => `  ${r.replace(/,/g, ' ,\n\t')}\r `)]) {
    const value = parseJsonFast(text);
    assert.notEqual(value, undefined, shown(text));
    assert.deepStrictEqual(value, parseLossless(text), shown(text));
    assert.deepStrictEqual(keyOrders(value), keyOrders(parseLossless(text)));
  }
  const result = parseJson(DOCUMENTED_RESULT) as { last_quote: { last_updated: JsonValue }; day: { close: JsonValue } };
  assert.ok(isLosslessNumber(result.last_quote.last_updated));
  assert.equal(String(result.last_quote.last_updated), '1689174023516476700');
  assert.equal((result.day.close as { value: string }).value, '1.7');
});

test('edge cases: number forms, keywords, whitespace, BOM, escapes, inherited and repeated keys, depth', () => {
  const texts = [
    '0',
    '-0',
    '01',
    '-01',
    '00',
    '1.',
    '.5',
    '-',
    '-.5',
    '+1',
    '1e',
    '1e+',
    '1E-7',
    '1.5e300',
    '2.2397e-7',
    '-0.00000165366',
    '123456789012345678901234567890',
    'NaN',
    'Infinity',
    '-Infinity',
    'true',
    'tru',
    'truex',
    'null',
    'nul',
    'false',
    'fals',
    '',
    ' ',
    '\ufeff{}',
    '{}\ufeff',
    ' \t\r\n{ } \n',
    '\u00a0{}',
    '{"a":1,}',
    '[1,]',
    '[,1]',
    '[1 2]',
    '{"a" 1}',
    '{"a":}',
    '{a:1}',
    "{'a':1}",
    '{"a":1}}',
    '[[]]]',
    '{"a":[1,{"b":[]}],"c":{}}',
    '"\\u00e9\\uD83D\\ude00\\ud800x"',
    '"\\uDC00"',
    '"\\u12G4"',
    '"\\u12"',
    '"\\x"',
    '"\\\'"',
    '"a\tb"',
    '"a\u0000b"',
    '"a\u007fb"',
    '"unterminated',
    '"\\',
    '{"__proto__":{"polluted":1},"a":1}',
    '{"__proto__":1,"__proto__":1}',
    '{"__proto__":1,"__proto__":2}',
    '{"constructor":1,"toString":"x","hasOwnProperty":null,"valueOf":[]}',
    '{"a":1,"a":1}',
    '{"a":1,"a":2}',
    '{"a":1,"a":1.0}',
    '{"a":{"x":[1,{"y":2}]},"a":{"x":[1,{"y":2}]}}',
    '{"a":[],"a":{}}',
    '{"a":"1","a":1}',
    '{"b":1,"a":2,"1":3,"0":4}',
    '{"":1,"":1}',
    '{"ticker":1,"tick":2,"tickers":3}',
    '{"day":{"x":1},"day":{"x":1}}',
    '{"a":{"a":{"a":1}},"b":{"a":2}}',
  ];
  for (const depth of [63, 64, 65, 66, 200, 100_000]) {
    texts.push(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    texts.push(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    texts.push(`${'['.repeat(depth)}`);
  }
  for (const text of texts) assertSameAsLossless(text);
});

test('each parse stands alone: the keys remembered from one text never leak into another', () => {
  // The same keys in changing orders and lengths, one after another: a key guessed from
  // the text before must match this text's own characters, up to its closing quote.
  const random = new Random(99);
  const names = ['t', 'ti', 'tic', 'tick', 'ticker', 'tickers', 'ticker"', 'day', 'da', 'last_updated', 'last_update'];
  for (let n = 0; n < 3000; n++) {
    const count = random.integer(1, 6);
    const members = new Map<string, string>();
    for (let k = 0; k < count; k++) members.set(random.pick(names), String(k));
    const text = JSON.stringify(Object.fromEntries(members)).replace(/"(\d)"/g, '$1');
    assertSameAsLossless(text);
    assertSameAsLossless(`{"outer":${text},${text.slice(1)}`);
  }
});

test('a repeated key is found however it is written: escaped or not, after nested objects, empty', () => {
  // The parser skips the lookup for a key its object cannot have yet; these are the
  // cases that rule must not miss. Every text is parsed after many others (keys known).
  const random = new Random(4242);
  const spellings: Record<string, string[]> = {
    tick: ['"tick"', '"\\u0074ick"', '"ti\\u0063k"'],
    '': ['""'],
    last_updated: ['"last_updated"', '"last_update\\u0064"'],
    constructor: ['"constructor"', '"\\u0063onstructor"'],
    // Computed: a plain `__proto__:` here would set the prototype of `spellings`.
    ['__proto__']: ['"__proto__"', '"\\u005f_proto__"'],
  };
  const names = Object.keys(spellings);
  assert.equal(names.length, 5);
  const member = (depth: number): string => {
    const name = random.pick(names);
    const value =
      depth < 3 && random.chance(0.4)
        ? `{${[member(depth + 1), member(depth + 1)].join(',')}}`
        : random.pick(['1', '2', '"x"', 'null', '[]', '{}']);
    return `${random.pick(spellings[name]!)}:${value}`;
  };
  let refused = 0;
  for (let n = 0; n < 5000; n++) {
    const members = Array.from({ length: random.integer(1, 5) }, () => member(0));
    if ('error' in assertSameAsLossless(`{${members.join(',')}}`)) refused++;
  }
  assert.ok(refused > 1000, `only ${refused} texts with a repeated key`);
});
