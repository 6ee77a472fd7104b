/**
 * The first step of any diagnosis: can optdb reach the server, how fast, and is the
 * server a release with the known fixes for the XX000 "variable not found in subplan
 * target list" planner bugs.
 */
import { connectRemedy } from '../db/connect-remedy.js';
import { classifyError } from '../db/error-policy.js';
import { withPooledClient } from '../db/pool.js';
import type { CheckFamily, CheckResult } from './check.js';
import { missingPlannerFixes, parseServerVersionNum, pastEndOfLife } from './server-version.js';
import { ROUND_TRIP, SERVER_VERSION } from './sql/connectivity.js';

export const connectivity: CheckFamily = {
  name: 'connectivity',
  essential: true,
  async run({ pool }) {
    const started = performance.now();
    let connected = false;
    try {
      return await withPooledClient(pool, async (client) => {
        connected = true;
        const connectMs = performance.now() - started;
        const roundTripStarted = performance.now();
        await client.query(ROUND_TRIP);
        const roundTripMs = performance.now() - roundTripStarted;
        const { rows } = await client.query<{ version_num: string; version: string }>(SERVER_VERSION);
        const versionText = rows[0]!.version.split(' ')[0]!;
        const version = parseServerVersionNum(Number(rows[0]!.version_num));
        const details = { connectMs: round(connectMs), roundTripMs: round(roundTripMs), serverVersion: versionText };
        return [
          {
            id: 'connectivity',
            status: 'pass',
            summary: `connected in ${connectMs.toFixed(1)} ms; SELECT 1 round trip ${roundTripMs.toFixed(2)} ms`,
            details,
          },
          versionResult(versionText, version),
        ];
      });
    } catch (error) {
      // A failure after connecting is not a connectivity finding: doctor reports it as the family's error.
      if (connected) throw error;
      const { code, message } = classifyError(error);
      return [
        {
          id: 'connectivity',
          status: 'fail',
          summary: `cannot connect: ${code} ${message}`,
          remedy: connectRemedy(error),
          details: { code },
        },
      ];
    }
  },
};

function versionResult(versionText: string, version: ReturnType<typeof parseServerVersionNum>): CheckResult {
  const details = { serverVersion: versionText, major: version.major, minor: version.minor };
  const upgradeTo = missingPlannerFixes(version);
  if (upgradeTo) {
    return {
      id: 'connectivity.server-version',
      status: 'warn',
      summary: `PostgreSQL ${versionText} lacks fixes for known "variable not found in subplan target list" (XX000) planner bugs`,
      remedy: `upgrade to PostgreSQL ${upgradeTo} or later (a minor upgrade: same data directory, restart only)`,
      details: { ...details, upgradeTo },
    };
  }
  const endOfLife = pastEndOfLife(version, new Date());
  if (endOfLife) {
    return {
      id: 'connectivity.server-version',
      status: 'warn',
      summary: `PostgreSQL ${versionText}: major version ${version.major} is out of community support since ${endOfLife} (no more bug fixes)`,
      remedy: 'plan a major upgrade (pg_upgrade or dump and restore) to a supported release',
      details: { ...details, endOfLife },
    };
  }
  return {
    id: 'connectivity.server-version',
    status: 'pass',
    summary: `PostgreSQL ${versionText}, with the known XX000 planner fixes`,
    details,
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
