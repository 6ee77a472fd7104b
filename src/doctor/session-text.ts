/** How the connections and locks checks name a server session in a one-line summary. */

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
