/**
 * Numbers from the sources stay text — the exact digits the source wrote — and are
 * checked here, so that PostgreSQL's numeric receives exactly them.
 */
const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const PLAIN_DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;
const MINUS = 45;
const POINT = 46;
const ZERO = 48;
const NINE = 57;
const MAX_EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: MAX_EXACT_DIGITS + 1 }, (_, i) => 10 ** i);

export function isDecimalText(text: string): boolean {
  return DECIMAL.test(text);
}

/** A decimal without exponent notation: the digits stored are the digits written. */
export function isPlainDecimalText(text: string): boolean {
  return PLAIN_DECIMAL.test(text);
}

/** `-?\d+`, ASCII digits: read character by character, cheaper than a pattern. */
export function isIntegerText(text: string): boolean {
  const start = text.charCodeAt(0) === MINUS ? 1 : 0;
  if (text.length === start) return false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) return false;
  }
  return true;
}

/**
 * A plain decimal's value exactly as Number(text) gives it, or NaN when the text is not
 * a plain decimal (see isPlainDecimalText): one pass over the characters. Up to 15
 * digits, the digits as an integer and a power of ten are exact doubles, and dividing
 * one by the other rounds once, as Number() does; longer texts are left to Number().
 */
export function plainDecimalValue(text: string): number {
  const negative = text.charCodeAt(0) === MINUS;
  let digits = 0;
  let decimals = -1; // digits after the point; -1 before one
  let integer = 0;
  for (let i = negative ? 1 : 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      integer = integer * 10 + (c - ZERO);
      digits++;
      if (decimals >= 0) decimals++;
    } else if (c === POINT && decimals < 0) decimals = 0;
    else return NaN;
  }
  if (digits === 0) return NaN;
  if (digits > MAX_EXACT_DIGITS) return Number(text);
  const value = decimals > 0 ? integer / POWERS_OF_TEN[decimals]! : integer;
  return negative ? -value : value;
}

export function isNegativeText(text: string): boolean {
  return text.startsWith('-') && !/^-0*(?:\.0*)?(?:[eE][-+]?\d+)?$/.test(text);
}

/** Compares two decimal texts numerically (for high < low); only called on valid decimals. */
export function compareDecimalText(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  // Doubles order any two decimals of realistic magnitude correctly except near-ties,
  // which are equal to ~15 significant digits and so not a high-below-low error anyway.
  return x < y ? -1 : x > y ? 1 : 0;
}
