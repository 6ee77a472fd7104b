/**
 * Credentials never reach a terminal, a log or an error message: every URL optdb
 * prints passes through here first.
 *
 * Written as scans rather than one regular expression: the text can be anything a server
 * or an input sent (an error body, a line of a file), and a pattern that backtracks over
 * it took seconds on 50 KB. Every step here is linear in the text.
 */
const MASK = '****';

// key=value forms (libpq keyword strings, query parameters); a quoted value is bounded so
// that an unclosed quote cannot make each match scan the rest of the text.
const PASSWORD_PARAMETER = /\b(password|passwd|pwd|apikey|api_key)=('[^'\n]{0,256}'|[^&\s'"),;]+)/gi;
const SCHEME_CHAR = /[a-z0-9+.-]/i;
const LETTER = /[a-z]/i;
const WHITESPACE = /\s/;
const USER_END = new Set([':', '/', '?', '#', '@', ' ', '\t', '\n', '\r']);

/** The URL with its password (and password-like query parameters) masked. */
export function redactUrl(url: string): string {
  return redactText(url);
}

/** Any text with every embedded credential masked. */
export function redactText(text: string): string {
  return maskUrlPasswords(text).replace(PASSWORD_PARAMETER, `$1=${MASK}`);
}

/**
 * scheme://user:password@host — the password is everything between the first ':' after
 * the scheme's '//' and the last '@' before the next URL on the line (a password that was
 * not percent-encoded may hold '@', ':', '/', '?', '#' or spaces). Masking too much is safe.
 */
function maskUrlPasswords(text: string): string {
  const urls = urlStarts(text);
  if (urls.length === 0) return text;
  const ats = positionsOf(text, '@');
  // For each URL, the next one on its line that follows whitespace: a password cannot reach into it.
  const nextSeparate: number[] = new Array(urls.length).fill(urls.length);
  for (let i = urls.length - 2; i >= 0; i--)
    nextSeparate[i] = WHITESPACE.test(text[urls[i + 1]!.start - 1] ?? '') ? i + 1 : nextSeparate[i + 1]!;
  let out = '';
  let copied = 0;
  for (let i = 0; i < urls.length; i++) {
    const { afterSlashes } = urls[i]!;
    if (afterSlashes < copied) continue; // inside a password already masked
    let lineEnd = text.indexOf('\n', afterSlashes);
    if (lineEnd === -1) lineEnd = text.length;
    const next = urls[nextSeparate[i]!];
    const segmentEnd = next !== undefined && next.start < lineEnd ? next.start - 1 : lineEnd;
    let userEnd = afterSlashes;
    while (userEnd < segmentEnd && !USER_END.has(text[userEnd]!)) userEnd++;
    if (text[userEnd] !== ':') continue;
    const at = lastBefore(ats, segmentEnd);
    if (at === undefined || at <= userEnd) continue;
    out += `${text.slice(copied, userEnd + 1)}${MASK}`;
    copied = at;
  }
  return out + text.slice(copied);
}

function positionsOf(text: string, char: string): number[] {
  const positions: number[] = [];
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) positions.push(i);
  return positions;
}

/** The largest position below `end` (binary search in ascending positions). */
function lastBefore(positions: readonly number[], end: number): number | undefined {
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (positions[middle]! < end) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? undefined : positions[low - 1];
}

/** Where each `scheme://` begins, found from its `://` (a scan backwards over the scheme's characters). */
function urlStarts(text: string): { start: number; afterSlashes: number }[] {
  const starts: { start: number; afterSlashes: number }[] = [];
  let previousEnd = 0;
  for (let slashes = text.indexOf('://'); slashes !== -1; slashes = text.indexOf('://', slashes + 3)) {
    let start = slashes;
    while (start > previousEnd && SCHEME_CHAR.test(text[start - 1]!)) start--;
    // A scheme begins with a letter, at a word boundary.
    while (start < slashes && !LETTER.test(text[start]!)) start++;
    if (start < slashes) starts.push({ start, afterSlashes: slashes + 3 });
    previousEnd = slashes + 3;
  }
  return starts;
}
