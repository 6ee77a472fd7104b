/**
 * Which PostgreSQL releases are known to be missing fixes for `XX000 variable not found
 * in subplan target list` (a planner bug, fixed in minor releases), and which major versions are out of support.
 *
 * The minimums are the minor releases that fixed the planner bugs behind that error:
 * partitionwise joins with lateral references (February 2024: 12.18, 13.14, 14.11, 15.6,
 * 16.2) and `IS NULL` on a NOT NULL column (17.1; the optimisation is new in 17).
 * End-of-life dates follow PostgreSQL's five-year versioning policy.
 */
export interface ServerVersion {
  readonly major: number;
  readonly minor: number;
}

const XX000_FIXED_IN: Readonly<Record<number, number>> = { 12: 18, 13: 14, 14: 11, 15: 6, 16: 2, 17: 1 };

const END_OF_LIFE: Readonly<Record<number, string>> = {
  12: '2024-11-21',
  13: '2025-11-13',
  14: '2026-11-12',
  15: '2027-11-11',
  16: '2028-11-09',
  17: '2029-11-08',
  18: '2030-11-14',
};

/** From `server_version_num` (e.g. 150020 → 15.20; before 10, 90624 → 9.6). */
export function parseServerVersionNum(versionNum: number): ServerVersion {
  const major = Math.floor(versionNum / 10_000);
  return major >= 10 ? { major, minor: versionNum % 10_000 } : { major: Math.floor(versionNum / 100) / 10, minor: versionNum % 100 };
}

/** The release to upgrade to for the known XX000 planner fixes, or undefined when it has them. */
export function missingPlannerFixes(version: ServerVersion): string | undefined {
  const fixedIn = XX000_FIXED_IN[version.major];
  if (fixedIn !== undefined) return version.minor < fixedIn ? `${version.major}.${fixedIn}` : undefined;
  // Older than 12: none of the fixes were released for it.
  return version.major < 12 ? 'a supported major release (16 or later)' : undefined;
}

/** The end-of-life date when the major version is past it on `today`. */
export function pastEndOfLife(version: ServerVersion, today: Date): string | undefined {
  const date = END_OF_LIFE[version.major];
  if (date === undefined) return version.major < 12 ? 'long ago' : undefined;
  return today.toISOString().slice(0, 10) >= date ? date : undefined;
}
