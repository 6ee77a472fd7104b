/**
 * How close a typed query is to a code, a condition name or a message, for "did you
 * mean" suggestions. Two views, the better one wins: the whole strings by edit distance
 * (catches "40P1", "XX00"), and word overlap where each query word may be misspelt
 * ("unique violaton", "deadlok").
 */

/** Lower case, words separated by single spaces ("Unique_Violation" → "unique violation"). */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function closeness(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 1 : 1 - editDistance(a, b) / longest;
}

// A word this far from every candidate word does not count as present at all.
const WORD_THRESHOLD = 0.6;
const EXTRA_WORD_COST = 0.05;

/** 0 (nothing alike) … 1 (the same after normalising). */
export function similarity(query: string, candidate: string): number {
  const q = normalise(query);
  const c = normalise(candidate);
  if (q === '' || c === '') return 0;
  const whole = closeness(q, c);
  const queryWords = q.split(' ');
  const candidateWords = c.split(' ');
  let covered = 0;
  for (const word of queryWords) {
    const best = Math.max(...candidateWords.map((other) => closeness(word, other)));
    if (best >= WORD_THRESHOLD) covered += best;
  }
  // Each word of the candidate the query does not ask for costs a little, so a one-word
  // query prefers "deadlock detected" to a long message that happens to contain it.
  const extraWords = Math.max(0, candidateWords.length - queryWords.length);
  const overlap = Math.max(0, covered / queryWords.length - EXTRA_WORD_COST * extraWords);
  return Math.max(whole, overlap);
}
