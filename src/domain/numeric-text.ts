/**
 * Numbers from the sources stay text — the exact digits the source wrote — and are
 * checked here, so that PostgreSQL's numeric receives exactly them.
 */
const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const PLAIN_DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;
const INTEGER = /^-?\d+$/;

export function isDecimalText(text: string): boolean {
  return DECIMAL.test(text);
}

/** A decimal without exponent notation: the digits stored are the digits written. */
export function isPlainDecimalText(text: string): boolean {
  return PLAIN_DECIMAL.test(text);
}

export function isIntegerText(text: string): boolean {
  return INTEGER.test(text);
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
