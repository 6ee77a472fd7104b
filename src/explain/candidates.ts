/**
 * Everything `optdb explain` knows, as searchable labels: for a fragment ("deadlock",
 * "too many clients") and for "did you mean" suggestions when nothing matched.
 */
import { CLIENT_CODES, type MatchKind } from './explanation.js';
import { KNOWN_MESSAGES, type KnownMessage } from './known-messages.js';
import { PRISMA_CODES } from './prisma-codes.js';
import { normalise, similarity } from './similarity.js';
import { SQLSTATES } from './sqlstate-catalogue.js';
import { SQLSTATE_CLASS_TITLES } from './sqlstate-classes.js';

export interface Suggestion {
  readonly kind: MatchKind;
  readonly code: string;
  readonly name: string;
}

export interface Candidate extends Suggestion {
  /** texts the query is compared with */
  readonly labels: readonly string[];
  readonly knownMessage?: KnownMessage;
}

// Messages first: on a tie they say more than the bare condition name.
const CANDIDATES: readonly Candidate[] = [
  ...KNOWN_MESSAGES.map((entry) => ({
    kind: 'message' as const,
    code: entry.code,
    name: entry.message,
    labels: [entry.message],
    knownMessage: entry,
  })),
  ...PRISMA_CODES.map((entry) => ({ kind: 'prisma' as const, code: entry.code, name: entry.message, labels: [entry.code, entry.message] })),
  ...SQLSTATES.map((entry) => ({ kind: 'sqlstate' as const, code: entry.code, name: entry.name, labels: [entry.code, entry.name] })),
  ...Object.entries(SQLSTATE_CLASS_TITLES).map(([code, title]) => ({ kind: 'class' as const, code, name: title, labels: [code, title] })),
  ...[...CLIENT_CODES].map((code) => ({ kind: 'client' as const, code, name: code, labels: [code] })),
];

function score(query: string, candidate: Candidate): number {
  return Math.max(...candidate.labels.map((label) => similarity(query, label)));
}

function byScore(query: string, candidates: readonly Candidate[]): Candidate[] {
  return candidates
    .map((candidate, order) => ({ candidate, order, score: score(query, candidate) }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map((entry) => entry.candidate);
}

/**
 * Candidates whose text contains the query as whole words ("too many clients" is in
 * "sorry, too many clients already"), best first. Fragments under 4 characters match too
 * much to mean anything.
 */
export function containing(query: string): Candidate[] {
  const fragment = normalise(query);
  if (fragment.length < 4) return [];
  const hits = CANDIDATES.filter((candidate) => candidate.labels.some((label) => ` ${normalise(label)} `.includes(` ${fragment} `)));
  return byScore(query, hits);
}

/** The `count` candidates closest to the query. */
export function closest(query: string, count: number): Candidate[] {
  return byScore(query, CANDIDATES).slice(0, count);
}

export function asSuggestion(candidate: Candidate): Suggestion {
  return { kind: candidate.kind, code: candidate.code, name: candidate.name };
}
