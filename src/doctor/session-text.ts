/** How the connections and locks checks name a server session in a one-line summary. */
import { redactText } from '../redact.js';

export interface SessionIdentity {
  readonly user: string | null;
  readonly application: string | null;
}

/** `postgres, psql` — who runs the session (either may be hidden from a role without pg_read_all_stats). */
export function who(session: SessionIdentity): string {
  return `${session.user ?? 'unknown user'}, ${session.application || 'no application_name'}`;
}

/** A duration in seconds, with a decimal below 10 s so that short test thresholds read right. */
export function seconds(value: number): string {
  return value < 10 ? `${value.toFixed(1)} s` : `${Math.round(value)} s`;
}

/** A statement's text on one line (pg_stat_activity keeps the newlines). */
export function oneLine(query: string | null): string {
  return (query ?? '').replace(/\s+/g, ' ').trim() || '(none)';
}

// `PASSWORD '…'` (CREATE/ALTER ROLE, also ENCRYPTED PASSWORD); the literal may be cut short
// by the 200-character limit of the text read.
const PASSWORD_LITERAL = /\b(password\s+)'(?:[^']|'')*(?:'|$)/gi;

/**
 * Another session's statement as doctor may show it — in CI logs, in `--json`: a password
 * literal, a URL's password and password=… parameters masked.
 */
export function shownStatement(query: string | null): string | null {
  return query === null ? null : redactText(query.replace(PASSWORD_LITERAL, "$1'****'"));
}

/** Rows read from pg_stat_activity, their `query` masked before anything else sees them. */
export function withStatementsShown<T extends { query: string | null }>(rows: readonly T[]): T[] {
  return rows.map((row) => ({ ...row, query: shownStatement(row.query) }));
}
