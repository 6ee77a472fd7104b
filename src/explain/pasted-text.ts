/**
 * Codes inside pasted text: a log line, a node-postgres error dump, Prisma's multi-line
 * error (`code: "XX000"`, "Code: `XX000`"), psql's verbose "ERROR:  42P01: …", pgx's
 * "(SQLSTATE 40P01)".
 */
import { prismaCodeFor } from './prisma-codes.js';
import { sqlStateByCode } from './sqlstate-catalogue.js';

export interface FoundCode {
  readonly code: string;
  readonly kind: 'sqlstate' | 'prisma' | 'client';
}

// A code named as such. All-digit codes (23505) are only trusted here: bare, they are
// as likely a process id or a port.
const NAMED_CODES = [
  /\bcode\b["'`]?\s*[:=]\s*["'`]?([0-9A-Za-z]{5})\b/gi,
  /\bsqlstate\b["'`]?\s*[:=[(]?\s*["'`]?([0-9A-Za-z]{5})\b/gi,
  /\b(?:ERROR|FATAL|PANIC):\s+([0-9A-Z]{5}):/g,
];
// Upper case, at least one letter and one digit: XX000, 40P01, 42P05, 0A000.
const BARE_CODE = /\b(?=[0-9A-Z]*[A-Z])(?=[0-9A-Z]*[0-9])([0-9A-Z]{5})\b/g;
const PRISMA_CODE = /\b(P[1-9][0-9]{3})\b/g;

/** The known codes in the text, in order of appearance, each once. */
export function codesIn(text: string, clientCodes: ReadonlySet<string>): readonly FoundCode[] {
  const hits: { index: number; found: FoundCode }[] = [];
  const add = (index: number, raw: string): void => {
    const code = raw.toUpperCase();
    if (/^P[1-9]\d{3}$/.test(code)) {
      if (prismaCodeFor(code)) hits.push({ index, found: { code, kind: 'prisma' } });
    } else if (sqlStateByCode(code)) {
      hits.push({ index, found: { code, kind: 'sqlstate' } });
    }
  };
  for (const pattern of [...NAMED_CODES, BARE_CODE, PRISMA_CODE]) {
    for (const match of text.matchAll(pattern)) add(match.index, match[1]!);
  }
  for (const code of clientCodes) {
    const index = new RegExp(`\\b${code}\\b`).exec(text)?.index;
    if (index !== undefined) hits.push({ index, found: { code, kind: 'client' } });
  }
  hits.sort((a, b) => a.index - b.index);
  const seen = new Set<string>();
  return hits.map((hit) => hit.found).filter((found) => !seen.has(found.code) && seen.add(found.code));
}
