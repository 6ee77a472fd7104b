/**
 * Credentials never reach a terminal, a log or an error message: every URL optdb
 * prints passes through here first.
 */
const MASK = '****';

// scheme://user:password@host — the password is everything between the first ':' after
// the scheme's '//' and the last '@' on the line before the next URL: a password that was
// not percent-encoded may hold '@', ':', '/', '?', '#' or spaces. Masking too much is safe.
const URL_WITH_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*):(?:(?!\s[a-z][a-z0-9+.-]*:\/\/)[^\n])*@/gi;
// key=value forms (libpq keyword strings, query parameters).
const PASSWORD_PARAMETER = /\b(password|passwd|pwd|apikey|api_key)=('[^']*'|[^&\s'"),;]+)/gi;

/** The URL with its password (and password-like query parameters) masked. */
export function redactUrl(url: string): string {
  return redactText(url);
}

/** Any text with every embedded credential masked. */
export function redactText(text: string): string {
  return text.replace(URL_WITH_PASSWORD, `$1:${MASK}@`).replace(PASSWORD_PARAMETER, `$1=${MASK}`);
}
