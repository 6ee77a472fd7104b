/**
 * `optdb explain`: from what a person typed or pasted to the explanations that fit.
 *
 * The result, also printed by `optdb explain --json`, is stable:
 *   {
 *     "query": string,                  // the input as given
 *     "matches": Explanation[],         // best first; empty when nothing is known
 *     "suggestions"?: Suggestion[]      // closest entries: when nothing matched (and
 *   }                                   //   the input was not empty), or further
 *                                       //   entries a fragment also fits
 * Explanation: { kind: "sqlstate" | "class" | "prisma" | "client" | "message", code, name,
 *   class?, message?, equivalent?, meaning, triggers: string[], optdbAction: string,
 *   policy: { code, action, category } | null, remedy, codes? } — see explanation.ts.
 * Suggestion: { kind, code, name }.
 *
 * Input, tried in order: a code (SQLSTATE "40p01", class "23" or "class 23", Prisma
 * "p2034", client "ECONNRESET"); a condition name ("deadlock_detected", "unique
 * violation"); pasted text containing known messages or codes; a fragment of a known
 * message or name ("too many clients"). Otherwise the closest entries are suggested.
 * A message found in pasted text is quoted as pasted, with its own names (user,
 * database, relation), and a remedy that names an object names the pasted one.
 */
import { asSuggestion, type Candidate, closest, containing, type Suggestion } from './candidates.js';
import {
  CLIENT_CODES,
  explainClass,
  explainClient,
  explainCode,
  explainMessage,
  explainPrisma,
  explainSqlState,
  type Explanation,
} from './explanation.js';
import { knownMessagesIn } from './known-messages.js';
import { codesIn } from './pasted-text.js';
import { PRISMA_CODES, prismaCodeFor } from './prisma-codes.js';
import { sqlStateByCode, sqlStatesByName } from './sqlstate-catalogue.js';
import { SQLSTATE_CLASS_TITLES } from './sqlstate-classes.js';

export type { Explanation, MatchKind } from './explanation.js';
export type { Suggestion } from './candidates.js';

export interface ExplainResult {
  readonly query: string;
  readonly matches: readonly Explanation[];
  readonly suggestions?: readonly Suggestion[];
}

const MAX_MATCHES = 5;
const FRAGMENT_MATCHES = 3;
const SUGGESTIONS = 5;

export function explain(query: string): ExplainResult {
  const text = query.trim();
  if (text === '') return { query, matches: [] };
  const exact = byCodeOrName(text);
  if (exact.length > 0) return { query, matches: exact };

  const pasted = inPastedText(text);
  if (pasted.length > 0) return { query, matches: pasted.slice(0, MAX_MATCHES) };

  const fragments = distinctByCode(containing(text));
  if (fragments.length > 0) {
    const matches = fragments.slice(0, FRAGMENT_MATCHES).map(explainCandidate);
    const more = fragments.slice(FRAGMENT_MATCHES, FRAGMENT_MATCHES + SUGGESTIONS).map(asSuggestion);
    return more.length > 0 ? { query, matches, suggestions: more } : { query, matches };
  }
  return {
    query,
    matches: [],
    suggestions: distinctByCode(closest(text, SUGGESTIONS * 2))
      .slice(0, SUGGESTIONS)
      .map(asSuggestion),
  };
}

function byCodeOrName(text: string): Explanation[] {
  const upper = text.toUpperCase().replace(/^CLASS\s+/, '');
  if (upper.length === 2 && SQLSTATE_CLASS_TITLES[upper] !== undefined) return [explainClass(upper)];
  const code = /^[0-9A-Z_]{2,}$/.test(upper) ? explainCode(upper) : undefined;
  return code ? [code] : sqlStatesByName(text).map(explainSqlState);
}

/** Known messages first (they say the most), then Prisma's messages, then bare codes. */
function inPastedText(text: string): Explanation[] {
  const codes = codesIn(text, CLIENT_CODES);
  const carriesSqlState = codes.some((found) => found.kind === 'sqlstate');
  const covered = new Set<string>();
  const matches: Explanation[] = [];
  const keep = (explanation: Explanation): void => {
    covered.add(explanation.code);
    matches.push(explanation);
  };
  for (const found of knownMessagesIn(text)) keep(explainMessage(found.entry, found));
  for (const entry of PRISMA_CODES) {
    // Prisma's wrapper around a database error adds nothing once the database's code is found.
    if (!entry.pattern.test(text) || (entry.carriesSqlState && carriesSqlState) || covered.has(entry.code)) continue;
    keep(explainPrisma(entry));
  }
  for (const found of codes) {
    if (covered.has(found.code)) continue;
    if (found.kind === 'prisma' && prismaCodeFor(found.code)?.carriesSqlState && carriesSqlState) continue;
    const explanation = found.kind === 'client' ? explainClient(found.code) : explainCode(found.code);
    if (explanation) keep(explanation);
  }
  return matches;
}

function explainCandidate(candidate: Candidate): Explanation {
  if (candidate.knownMessage) return explainMessage(candidate.knownMessage);
  if (candidate.kind === 'class') return explainClass(candidate.code);
  const sqlState = candidate.kind === 'sqlstate' ? sqlStateByCode(candidate.code) : undefined;
  return sqlState ? explainSqlState(sqlState) : explainCode(candidate.code)!;
}

function distinctByCode<T extends { readonly code: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.code) && seen.add(item.code));
}
