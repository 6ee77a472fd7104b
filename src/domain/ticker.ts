// Polygon-style option tickers: "O:" + root + YYMMDD + C|P + strike×1000 (8 digits),
// e.g. O:AAPL251121C00150000 = AAPL 2025-11-21 call 150. Strikes are kept as integer
// thousandths plus exact decimal text; no float arithmetic anywhere.

export type ContractType = 'call' | 'put';

export interface OptionTicker {
  ticker: string;
  root: string;
  expirationDate: string; // YYYY-MM-DD
  contractType: ContractType;
  strikeThousandths: number; // integer, 1..99999999
  strikePrice: string; // exact decimal text: "12.5", "150", "0.001"
}

export type TickerResult = { ok: true; value: OptionTicker } | { ok: false; reason: string };

export interface TickerParts {
  root: string;
  expirationDate: string;
  contractType: ContractType;
  strikeThousandths: number;
}

const MAX_THOUSANDTHS = 99_999_999; // 99999.999, the widest 8-digit strike
const ROOT_RE = /^[A-Z0-9]{1,6}$/;
const TAIL_LEN = 15; // YYMMDD + C|P + 8 strike digits
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const LETTER_C = 67;
const LETTER_P = 80;
const DIGIT_0 = 48;
const DIGIT_9 = 57;

const quote = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
const fail = (reason: string): TickerResult => ({ ok: false, reason });

/** Returns what is wrong with the calendar date, or null if it exists. */
function dateProblem(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12) return `month ${String(month).padStart(2, '0')}`;
  if (day < 1) return `day ${String(day).padStart(2, '0')}`;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const last = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day <= last) return null;
  if (month === 2 && day === 29) return `Feb 29 in non-leap year ${year}`;
  return `day ${day} past end of ${MONTHS[month - 1]} ${year} (${last} days)`;
}

// Every valid ticker matches this; the character-by-character reading below is for
// naming what is wrong with one that does not (and a regular expression is far cheaper).
const WELL_FORMED = /^O:[A-Z0-9]{1,6}\d{6}[CP]\d{8}$/;

export function parseTicker(text: string): TickerResult {
  const read = readTicker(text);
  return typeof read === 'string' ? fail(read) : { ok: true, value: read };
}

/** parseTicker's answer without its wrapper: the ticker, or what is wrong with it. For a caller reading many. */
export function readTicker(text: string): OptionTicker | string {
  if (typeof text === 'string' && (continuesLastHead(text) || WELL_FORMED.test(text))) return fromParts(text);
  return diagnose(text);
}

/**
 * Whether the ticker is the last one's head (well formed, see fromParts) followed by
 * C|P and 8 digits: then it is well formed too, told without the pattern.
 */
function continuesLastHead(text: string): boolean {
  const head = lastHead.text;
  if (head === '' || text.length !== head.length + 9 || !text.startsWith(head)) return false;
  const type = text.charCodeAt(head.length);
  if (type !== LETTER_C && type !== LETTER_P) return false;
  for (let i = head.length + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) return false;
  }
  return true;
}

/** The full reading of a ticker that is not well formed: says exactly what is wrong. */
function diagnose(text: string): OptionTicker | string {
  const input: unknown = text; // callers may hand us anything at runtime
  if (typeof input !== 'string') return `not a string: got ${input === null ? 'null' : typeof input}`;
  if (input === '') return 'empty ticker';

  if (input.startsWith('o:')) return 'bad prefix: lowercase "o:", expected "O:"';
  if (!input.startsWith('O:')) {
    return input[1] === ':' ? `bad prefix: ${quote(input.slice(0, 2))} instead of "O:"` : `bad prefix: missing "O:" in ${quote(input)}`;
  }

  const body = input.slice(2);
  for (let i = 0; i < body.length;) {
    const cp = body.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    if (!/[A-Z0-9]/.test(ch)) {
      const hex = cp.toString(16).toUpperCase().padStart(4, '0');
      const hint = /[a-z]/.test(ch) ? ', lowercase not allowed' : '';
      return `bad character ${JSON.stringify(ch)} (U+${hex}) at index ${i + 2}${hint}`;
    }
    i += ch.length;
  }

  // The C/P letter right after 6 date digits, then the trailing digit run: lets us name a
  // wrong strike width or type letter instead of misreading the tail from the right.
  const m = /(\d{6})([A-Z])(\d+)$/.exec(body);
  if (m && m[3]!.length !== 8) return `bad strike: strike must be 8 digits, got ${m[3]!.length} in ${quote(m[3]!)}`;
  if (m && m[2] !== 'C' && m[2] !== 'P') return `bad contract type "${m[2]}": expected C or P`;
  if (!m) {
    if (body.length <= TAIL_LEN) {
      return `too short: need root + YYMMDD + C|P + 8-digit strike after "O:", got ${quote(body)}`;
    }
    const tail = body.slice(-TAIL_LEN);
    if (!/^\d{8}$/.test(tail.slice(7))) return `bad strike: expected 8 digits at end, got ${quote(tail.slice(7))}`;
    if (!/^\d{6}$/.test(tail.slice(0, 6))) return `bad date: expected 6 digits YYMMDD, got ${quote(tail.slice(0, 6))}`;
    return `bad contract type "${tail[6]}": expected C or P`;
  }

  const root = body.slice(0, -TAIL_LEN);
  if (root === '') return 'missing root before date';
  if (root.length > 6) return `root too long: ${quote(root)} has ${root.length} characters, max 6`;
  return fromParts(input);
}

/**
 * What a ticker's root and expiration give: the same for a whole chain, whose tickers
 * follow one another in a file, so the last one is kept (see fromParts).
 */
interface Head {
  /** `O:` + root + YYMMDD. */
  readonly text: string;
  readonly root: string;
  readonly expirationDate: string;
  /** Why the date is refused, or undefined. */
  readonly dateProblem: string | undefined;
}

let lastHead: Head = { text: '', root: '', expirationDate: '', dateProblem: undefined };

// Strike texts by thousandths: a file's strikes repeat across its roots and expirations.
// Emptied when full, and kept small enough for a Map to stay quick.
const strikeTexts = new Map<number, string>();
const MAX_STRIKE_TEXTS = 4_096;

/**
 * A ticker `O:` + root + YYMMDD + C|P + 8 digits, each part of the right characters:
 * checks the date and strike. Read in place, without slicing the parts out.
 */
function fromParts(input: string): OptionTicker | string {
  const tail = input.length - TAIL_LEN;
  let head = lastHead;
  if (input.length !== head.text.length + 9 || !input.startsWith(head.text)) head = lastHead = readHead(input, tail);
  if (head.dateProblem !== undefined) return head.dateProblem;

  const strikeThousandths = digitsAt(input, tail + 7, 8);
  if (strikeThousandths === 0) return `bad strike: zero in ${quote(input.slice(tail + 7))}`;
  let strikePrice = strikeTexts.get(strikeThousandths);
  if (strikePrice === undefined) {
    if (strikeTexts.size >= MAX_STRIKE_TEXTS) strikeTexts.clear();
    strikePrice = strikeFromThousandths(strikeThousandths);
    strikeTexts.set(strikeThousandths, strikePrice);
  }

  return {
    // Built anew rather than kept as given: a ticker read from a file is a slice of a
    // whole chunk of it, which keeps the chunk in memory while the row lives and is
    // several times slower to compare and hash (batches sort and hash by ticker).
    ticker: head.text + input.slice(tail + 6),
    root: head.root,
    expirationDate: head.expirationDate,
    contractType: input.charCodeAt(tail + 6) === LETTER_C ? 'call' : 'put',
    strikeThousandths,
    strikePrice,
  };
}

function readHead(input: string, tail: number): Head {
  const yymmdd = input.slice(tail, tail + 6);
  const year = 2000 + digitsAt(input, tail, 2);
  const problem = dateProblem(year, digitsAt(input, tail + 2, 2), digitsAt(input, tail + 4, 2));
  return {
    text: input.slice(0, tail + 6),
    root: input.slice(2, tail),
    expirationDate: `${year}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`,
    dateProblem: problem ? `bad date: ${problem} in ${quote(yymmdd)}` : undefined,
  };
}

/** The number written by `count` ASCII digits at `from` (the caller has checked they are digits). */
function digitsAt(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + (text.charCodeAt(i) - DIGIT_0);
  return n;
}

export function formatTicker(parts: TickerParts): string {
  const { root, expirationDate, contractType, strikeThousandths } = parts;
  if (typeof root !== 'string' || !ROOT_RE.test(root)) {
    throw new RangeError(`formatTicker: bad root ${JSON.stringify(root)}: expected 1-6 characters A-Z 0-9`);
  }
  const d = typeof expirationDate === 'string' ? /^20(\d\d)-(\d\d)-(\d\d)$/.exec(expirationDate) : null;
  if (!d) {
    throw new RangeError(`formatTicker: bad expirationDate ${JSON.stringify(expirationDate)}: expected YYYY-MM-DD in 2000-2099`);
  }
  const problem = dateProblem(2000 + Number(d[1]), Number(d[2]), Number(d[3]));
  if (problem) throw new RangeError(`formatTicker: bad expirationDate "${expirationDate}": ${problem}`);
  if (contractType !== 'call' && contractType !== 'put') {
    throw new RangeError(`formatTicker: bad contractType ${JSON.stringify(contractType)}: expected "call" or "put"`);
  }
  checkThousandths(strikeThousandths, 'formatTicker');
  const strike = String(strikeThousandths).padStart(8, '0');
  return `O:${root}${d[1]}${d[2]}${d[3]}${contractType === 'call' ? 'C' : 'P'}${strike}`;
}

export function isValidTicker(text: string): boolean {
  return parseTicker(text).ok;
}

function checkThousandths(n: number, who: string): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THOUSANDTHS) {
    throw new RangeError(`${who}: strike thousandths must be an integer in 1..${MAX_THOUSANDTHS}, got ${String(n)}`);
  }
}

/** 12500 -> "12.5", 150000 -> "150", 1 -> "0.001". */
export function strikeFromThousandths(n: number): string {
  checkThousandths(n, 'strikeFromThousandths');
  const whole = String(Math.floor(n / 1000));
  const thousandths = n % 1000;
  if (thousandths === 0) return whole;
  // The decimals without trailing zeros: 500 -> "5", 250 -> "25", 125 -> "125", 5 -> "005".
  if (thousandths % 100 === 0) return `${whole}.${thousandths / 100}`;
  if (thousandths % 10 === 0) return `${whole}.${String(thousandths / 10).padStart(2, '0')}`;
  return `${whole}.${String(thousandths).padStart(3, '0')}`;
}

// Room for zeros a writer may pad with ("00150.000000"), far below what could be slow.
const MAX_STRIKE_TEXT = 40;

function withoutTrailingZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 48 /* 0 */) end--;
  return digits.slice(0, end);
}

/**
 * "150" | "150.0" | "12.50" | "0.001" -> integer thousandths. Trailing zeros past the third
 * decimal ("150.0000") are accepted since they are exact; any other 4th+ decimal is not.
 */
export function thousandthsFromStrike(text: string): number {
  // A strike is at most 5 digits and 3 decimals: anything much longer is refused before
  // any pattern runs over it (the text comes from files and the API).
  if (typeof text === 'string' && text.length > MAX_STRIKE_TEXT)
    throw new RangeError(`thousandthsFromStrike: strike of ${text.length} characters: "${text.slice(0, 20)}…"`);
  const m = typeof text === 'string' ? /^(\d+)(?:\.(\d+))?$/.exec(text) : null;
  if (!m) throw new RangeError(`thousandthsFromStrike: not a plain decimal strike: ${JSON.stringify(text)}`);
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  const frac = withoutTrailingZeros(m[2] ?? '');
  if (frac.length > 3) throw new RangeError(`thousandthsFromStrike: more than 3 decimals in "${text}"`);
  const n = whole.length > 5 ? Infinity : Number(whole) * 1000 + Number(frac.padEnd(3, '0'));
  if (n < 1 || n > MAX_THOUSANDTHS) {
    throw new RangeError(`thousandthsFromStrike: strike "${text}" out of range 0.001..99999.999`);
  }
  return n;
}
