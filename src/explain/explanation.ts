/**
 * One explained code: what it means, what usually causes it, what optdb does about it and
 * what to do. Built from the catalogue, the notes, the Prisma and message tables, and —
 * for optdb's own behaviour and remedies — error-policy.ts.
 */
import { ERROR_POLICIES, PRISMA_EQUIVALENTS, policyFor } from '../db/error-policy.js';
import type { FoundMessage, KnownMessage } from './known-messages.js';
import { optdbBehaviour, type PolicyReference, policyMeaning } from './optdb-action.js';
import { type PrismaCode, prismaCodeFor } from './prisma-codes.js';
import { type SqlState, sqlStateByCode, sqlStatesOfClass } from './sqlstate-catalogue.js';
import { classLabel, isNotAnError, SQLSTATE_CLASS_TITLES } from './sqlstate-classes.js';
import { SQLSTATE_NOTES } from './sqlstate-notes.js';

/**
 * `client` is a failure that never reaches the server (a Node socket error, node-postgres's
 * pool acquire timeout, TLS set-up): error-policy.ts's codes that are not SQLSTATEs.
 */
export type MatchKind = 'sqlstate' | 'class' | 'prisma' | 'client' | 'message';

export interface Explanation {
  readonly kind: MatchKind;
  /** a SQLSTATE, a class (two characters), a Prisma code, or one of optdb's client codes */
  readonly code: string;
  /** the condition name, the class title, Prisma's message, or the client failure */
  readonly name: string;
  /** "Class 40 — Transaction Rollback", for SQLSTATEs and messages that carry one */
  readonly class?: string;
  /**
   * kind `message`: the recognised message as it was pasted, names included; for a fragment
   * of one, the message as the server, driver or pooler prints it, with example names
   */
  readonly message?: string;
  /** kind `prisma`: the code optdb treats it as (error-policy.ts's PRISMA_EQUIVALENTS) */
  readonly equivalent?: string;
  readonly meaning: string;
  readonly triggers: readonly string[];
  /** what optdb does automatically, in words */
  readonly optdbAction: string;
  /** the policy row behind optdbAction; null when optdb has none */
  readonly policy: PolicyReference | null;
  /** what to do */
  readonly remedy: string;
  /** kind `class`: every code of the class */
  readonly codes?: readonly { readonly code: string; readonly name: string }[];
}

const GENERIC_REMEDY = 'read the whole message (with its DETAIL and HINT lines) and fix the cause; optdb cannot work around it';
const NOTHING_TO_DO = 'nothing: this is not an error';
const NOT_AN_ERROR = 'nothing: a success or warning condition, not an error';

/** error-policy.ts's codes that are neither SQLSTATEs, classes nor Prisma codes. */
export const CLIENT_CODES: ReadonlySet<string> = new Set(
  ERROR_POLICIES.map((entry) => entry.code).filter((code) => code.length > 2 && !sqlStateByCode(code) && !/^P[1-9]\d{3}$/.test(code)),
);

function words(name: string): string {
  return name.replaceAll('_', ' ');
}

/** The baseline for a code nobody wrote a note for: its name, and its class's meaning or title. */
function genericMeaning({ name, classCode }: SqlState): string {
  const label = classLabel(classCode) ?? `class ${classCode}`;
  if (isNotAnError(classCode)) return `${words(name)} (${label}): not an error`;
  const policy = policyFor(classCode);
  const meaning = policy ? policyMeaning(policy, [SQLSTATE_CLASS_TITLES[classCode] ?? classCode]) : SQLSTATE_NOTES[classCode]?.meaning;
  return meaning ? `${words(name)}: ${meaning}` : `${words(name)} (${label})`;
}

function classMeaning(classCode: string): string {
  const policy = policyFor(classCode);
  const title = SQLSTATE_CLASS_TITLES[classCode] ?? classCode;
  if (policy) return policyMeaning(policy, [title]);
  return SQLSTATE_NOTES[classCode]?.meaning ?? `an error of ${classLabel(classCode) ?? `class ${classCode}`}`;
}

export function explainSqlState(entry: SqlState): Explanation {
  const { code, name, classCode } = entry;
  const note = SQLSTATE_NOTES[code];
  const classNote = SQLSTATE_NOTES[classCode];
  const behaviour = optdbBehaviour(code);
  const exact = behaviour.policy?.code === code ? behaviour.policy : undefined;
  const quiet = isNotAnError(classCode);
  const meaning = exact ? policyMeaning(exact, [name]) : (note?.meaning ?? genericMeaning(entry));
  return {
    kind: 'sqlstate',
    code,
    name,
    class: classLabel(classCode),
    meaning,
    triggers: note?.triggers ?? classNote?.triggers ?? [],
    optdbAction: quiet && !behaviour.policy ? NOT_AN_ERROR : behaviour.description,
    policy: behaviour.reference,
    remedy: exact?.remedy ?? note?.remedy ?? behaviour.policy?.remedy ?? classNote?.remedy ?? (quiet ? NOTHING_TO_DO : GENERIC_REMEDY),
  };
}

export function explainClass(classCode: string): Explanation {
  const codes = sqlStatesOfClass(classCode);
  const behaviour = optdbBehaviour(classCode);
  const note = SQLSTATE_NOTES[classCode] ?? SQLSTATE_NOTES[`${classCode}000`];
  const ownPolicies = codes.filter((entry) => policyFor(entry.code)?.code === entry.code).map((entry) => entry.code);
  const quiet = isNotAnError(classCode);
  const own = ownPolicies.join(', ');
  let optdbAction = behaviour.description + (own ? ` (codes with their own policy: ${own})` : '');
  if (!behaviour.policy)
    optdbAction = `no policy for the class as a whole: its codes stop optdb${own ? `, except ${own}, which have their own policy` : ''}`;
  if (quiet) optdbAction = NOT_AN_ERROR;
  return {
    kind: 'class',
    code: classCode,
    name: SQLSTATE_CLASS_TITLES[classCode] ?? classCode,
    class: classLabel(classCode),
    meaning: classMeaning(classCode),
    triggers: note?.triggers ?? [],
    optdbAction,
    policy: behaviour.reference,
    remedy: behaviour.policy?.remedy ?? note?.remedy ?? (quiet ? NOTHING_TO_DO : GENERIC_REMEDY),
    codes: codes.map((entry) => ({ code: entry.code, name: entry.name })),
  };
}

export function explainPrisma(entry: PrismaCode): Explanation {
  const behaviour = optdbBehaviour(entry.code);
  const equivalent = PRISMA_EQUIVALENTS[entry.code];
  const carried = entry.carriesSqlState ? "reads the SQLSTATE inside the message and applies that code's policy" : undefined;
  return {
    kind: 'prisma',
    code: entry.code,
    name: entry.message,
    ...(equivalent ? { equivalent } : {}),
    meaning: entry.meaning,
    triggers: entry.triggers,
    optdbAction: carried ?? behaviour.description,
    policy: behaviour.reference,
    remedy: entry.remedy ?? behaviour.policy?.remedy ?? GENERIC_REMEDY,
  };
}

function clientName(code: string): string {
  if (code === 'POOL_ACQUIRE_TIMEOUT') return 'node-postgres pool acquire timeout';
  if (code === 'TLS_FAILED') return 'TLS (SSL) set-up failed';
  return `Node.js network error ${code}`;
}

export function explainClient(code: string): Explanation {
  const behaviour = optdbBehaviour(code);
  return {
    kind: 'client',
    code,
    name: clientName(code),
    meaning: behaviour.policy?.meaning ?? clientName(code),
    triggers: [],
    optdbAction: behaviour.description,
    policy: behaviour.reference,
    remedy: behaviour.policy?.remedy ?? GENERIC_REMEDY,
  };
}

/** The explanation of any code optdb knows: a SQLSTATE, a Prisma code or a client code. */
export function explainCode(code: string): Explanation | undefined {
  const upper = code.trim().toUpperCase();
  const prisma = /^P[1-9]\d{3}$/.test(upper) ? prismaCodeFor(upper) : undefined;
  if (prisma) return explainPrisma(prisma);
  const sqlState = sqlStateByCode(upper);
  if (sqlState) return explainSqlState(sqlState);
  return CLIENT_CODES.has(upper) ? explainClient(upper) : undefined;
}

/** A known message: as pasted when `found` says how, else in the catalogue's words. */
export function explainMessage(entry: KnownMessage, found?: FoundMessage): Explanation {
  const base = explainCode(entry.code);
  if (!base) throw new Error(`known message "${entry.message}" names an unknown code ${entry.code}`);
  return {
    kind: 'message',
    code: base.code,
    name: base.name,
    class: base.class,
    message: found?.text ?? entry.message,
    meaning: entry.meaning ?? base.meaning,
    triggers: entry.triggers ?? base.triggers,
    optdbAction: base.optdbAction,
    policy: base.policy,
    remedy: (found && entry.remedyNaming?.(found.names)) ?? entry.remedy ?? base.remedy,
  };
}
