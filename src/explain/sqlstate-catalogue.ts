/**
 * Every SQLSTATE PostgreSQL defines, with its official condition name (the name the
 * documentation's Appendix A and PL/pgSQL's EXCEPTION WHEN use, e.g. deadlock_detected).
 *
 * The codes come from pg-error-enum, kept in sync with PostgreSQL's errcodes.txt, so a
 * new PostgreSQL release is a dependency bump rather than an edit here. Its keys are the
 * C macro names without ERRCODE_; the condition name is derived from the key (below) and
 * checked against errcodes.txt by test/explain.test.ts.
 */
import { PostgresError } from 'pg-error-enum';

export interface SqlState {
  /** five characters, e.g. 40P01 */
  readonly code: string;
  /** the condition name, e.g. deadlock_detected */
  readonly name: string;
  /** the first two characters, e.g. 40 */
  readonly classCode: string;
}

// Macro namespaces that the condition names leave out (WARNING_PRIVILEGE_NOT_GRANTED is
// privilege_not_granted; T_R_DEADLOCK_DETECTED is deadlock_detected).
const NAMESPACES = ['WARNING_', 'L_E_', 'S_R_E_', 'E_R_E_', 'E_R_I_E_', 'T_R_', 'S_E_'];

// Macros whose condition name is not their stripped key.
const NAMED_DIFFERENTLY: Readonly<Record<string, string>> = {
  INVALID_ARGUMENT_FOR_LOG: 'invalid_argument_for_logarithm',
  INVALID_ARGUMENT_FOR_NTILE: 'invalid_argument_for_ntile_function',
  INVALID_ARGUMENT_FOR_NTH_VALUE: 'invalid_argument_for_nth_value_function',
  DUPLICATE_PSTATEMENT: 'duplicate_prepared_statement',
  INVALID_PSTATEMENT_DEFINITION: 'invalid_prepared_statement_definition',
  L_E_INVALID_SPECIFICATION: 'invalid_locator_specification',
  S_E_INVALID_SPECIFICATION: 'invalid_savepoint_specification',
  T_R_INTEGRITY_CONSTRAINT_VIOLATION: 'transaction_integrity_constraint_violation',
};

// Second macros for a code that already has one; errcodes.txt gives them no condition
// name (ERRCODE_UNDEFINED_DATABASE is 3D000, whose name is invalid_catalog_name).
const ALIASES = new Set([
  'ARRAY_ELEMENT_ERROR',
  'DATETIME_VALUE_OUT_OF_RANGE',
  'UNDEFINED_CURSOR',
  'UNDEFINED_DATABASE',
  'UNDEFINED_PSTATEMENT',
  'UNDEFINED_SCHEMA',
]);

function conditionName(key: string): string {
  const named = NAMED_DIFFERENTLY[key];
  if (named) return named;
  const namespace = NAMESPACES.find((prefix) => key.startsWith(prefix));
  return (namespace ? key.slice(namespace.length) : key).toLowerCase();
}

function buildCatalogue(): readonly SqlState[] {
  const byCode = new Map<string, SqlState>();
  for (const [key, code] of Object.entries(PostgresError)) {
    // Keep one entry per code even if a future alias is not listed above.
    if (ALIASES.has(key) || byCode.has(code)) continue;
    byCode.set(code, Object.freeze({ code, name: conditionName(key), classCode: code.slice(0, 2) }));
  }
  return Object.freeze([...byCode.values()].sort((a, b) => a.code.localeCompare(b.code)));
}

export const SQLSTATES: readonly SqlState[] = buildCatalogue();

const BY_CODE: ReadonlyMap<string, SqlState> = new Map(SQLSTATES.map((entry) => [entry.code, entry]));

/** The entry for a code, any case ("40p01"). */
export function sqlStateByCode(code: string): SqlState | undefined {
  return BY_CODE.get(code.trim().toUpperCase());
}

/**
 * The entries for a condition name, written with underscores, spaces or hyphens, any case.
 * A few names belong to two classes (string_data_right_truncation is warning 01004 and
 * error 22001), hence a list.
 */
export function sqlStatesByName(name: string): readonly SqlState[] {
  const wanted = name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return SQLSTATES.filter((entry) => entry.name === wanted);
}

/** The codes of one class, in code order. */
export function sqlStatesOfClass(classCode: string): readonly SqlState[] {
  return SQLSTATES.filter((entry) => entry.classCode === classCode.toUpperCase());
}
