/**
 * The pooler and the connection string: is there a pooler between optdb and the server,
 * and what follows from its mode — where migrations must connect (a transaction pooler
 * loses session state between transactions: SET, advisory locks, SQL PREPARE), whether
 * prepared statements survive, and which URL parameters only look like settings.
 */
import { classifyError } from '../db/error-policy.js';
import { withClient } from '../db/pool.js';
import type { CheckFamily, CheckResult, DoctorContext } from './check.js';
import { misleadingUrlParameters } from './misleading-url-parameters.js';
import { detectPooler, type PoolerFinding } from './pooler-detection.js';

// PgBouncer learned protocol-level prepared statements in 1.21 (max_prepared_statements).
const PREPARED_STATEMENTS_SINCE: readonly [number, number] = [1, 21];
const PROBE_TIMEOUT_MS = 5_000;

export const pooler: CheckFamily = {
  name: 'pooler',
  async run(context) {
    const finding = await context.pooler();
    return [
      detectionResult(finding),
      await directUrlResult(context, finding),
      preparedStatementsResult(finding),
      urlParametersResult(context),
    ];
  },
};

/** Whether the pooler keeps no session between transactions (or is assumed not to). */
function losesSession(finding: PoolerFinding): boolean {
  return finding.detected && finding.mode !== 'session';
}

function describe(finding: PoolerFinding): string {
  const what =
    finding.kind === 'neon'
      ? 'Neon pooler'
      : finding.kind === 'pgbouncer'
        ? `PgBouncer${finding.pgbouncerVersion ? ` ${finding.pgbouncerVersion}` : ''}`
        : 'a proxy';
  return `${what} in ${finding.mode} mode${finding.modeConfirmed ? '' : ' (assumed)'}`;
}

function detectionResult(finding: PoolerFinding): CheckResult {
  const details = { ...finding };
  if (!finding.detected) {
    const ports =
      finding.serverPort === undefined
        ? 'no TCP port to compare (socket)'
        : `server port ${finding.serverPort} = URL port ${finding.urlPort}`;
    return { id: 'pooler.detection', status: 'pass', summary: `direct connection (${ports})`, details };
  }
  // Being behind a pooler is not a fault: optdb writes each batch in one transaction and
  // keeps staging tables `ON COMMIT DROP` for exactly this case. The consequences are
  // reported so that other tools run against the same URL are not surprised.
  const consequence = losesSession(finding)
    ? 'no session state survives a transaction: SET, session advisory locks, temporary tables across transactions, LISTEN/NOTIFY, SQL PREPARE; optdb keeps each batch in one transaction'
    : 'each client keeps its server connection for the whole session';
  return {
    id: 'pooler.detection',
    status: 'pass',
    summary: `${describe(finding)}: ${consequence} — ${finding.evidence.join('; ')}`,
    details,
  };
}

async function directUrlResult(context: DoctorContext, finding: PoolerFinding): Promise<CheckResult> {
  const id = 'pooler.direct-url';
  const separate = context.directUrl !== context.url;
  if (!losesSession(finding) && !separate) {
    const why = finding.detected ? `${describe(finding)} keeps the session, which migrations need` : 'the connection is direct';
    return { id, status: 'pass', summary: `migrations use DATABASE_URL: ${why}`, details: { directUrlSet: false } };
  }
  if (!separate) {
    return {
      id,
      status: 'fail',
      summary: `DATABASE_URL goes through ${describe(finding)} and DIRECT_URL is not set (or is the same URL): migrations would run through the pooler, where their session advisory lock does not hold`,
      remedy:
        "set DIRECT_URL to the server's own (non-pooler) URL, e.g. the Neon host without `-pooler`, or the server's port instead of PgBouncer's",
      details: { directUrlSet: false, pooler: finding.kind, mode: finding.mode },
    };
  }
  let direct: PoolerFinding;
  try {
    direct = await probe(context.directUrl);
  } catch (error) {
    const { code, message, policy } = classifyError(error);
    return {
      id,
      status: 'warn',
      summary: `DIRECT_URL cannot be used: ${code} ${message}`,
      remedy: policy.remedy,
      details: { directUrlSet: true, code },
    };
  }
  if (losesSession(direct)) {
    return {
      id,
      status: 'fail',
      summary: `DIRECT_URL goes through ${describe(direct)} too — ${direct.evidence.join('; ')}`,
      remedy: "point DIRECT_URL at the server itself (not the pooler's host or port): migrations need a session",
      details: { directUrlSet: true, directUrl: direct },
    };
  }
  return {
    id,
    status: 'pass',
    summary: `migrations use DIRECT_URL, a direct connection (server port ${direct.serverPort ?? 'n/a'})`,
    details: { directUrlSet: true, directUrl: direct },
  };
}

function probe(url: string): Promise<PoolerFinding> {
  return withClient(url, (client) => detectPooler(url, client), PROBE_TIMEOUT_MS);
}

function preparedStatementsResult(finding: PoolerFinding): CheckResult {
  const id = 'pooler.prepared-statements';
  if (!losesSession(finding)) {
    return { id, status: 'pass', summary: `prepared statements work (${finding.detected ? describe(finding) : 'direct connection'})` };
  }
  const max = finding.maxPreparedStatements;
  const version = finding.pgbouncerVersion;
  if (max !== undefined && max > 0) {
    return {
      id,
      status: 'pass',
      summary: `PgBouncer ${version} tracks protocol-level prepared statements (max_prepared_statements = ${max})`,
      details: { version, maxPreparedStatements: max },
    };
  }
  const why =
    version === undefined
      ? "the pooler's support is unknown"
      : atLeast(version, PREPARED_STATEMENTS_SINCE)
        ? 'max_prepared_statements = 0'
        : `PgBouncer ${version} is older than 1.21`;
  // Not a fault for optdb: node-postgres and adapter-pg send unnamed statements unless a
  // statement name is configured, and optdb never configures one.
  return {
    id,
    status: 'pass',
    summary: `named prepared statements would break here (${why}); optdb and Prisma's adapter-pg send unnamed statements, which work — keep it that way (no statementNameGenerator, no SQL PREPARE)`,
    details: { version, maxPreparedStatements: max },
  };
}

function atLeast(version: string, [major, minor]: readonly [number, number]): boolean {
  const [vMajor = 0, vMinor = 0] = version.split('.').map(Number);
  return vMajor > major || (vMajor === major && vMinor >= minor);
}

function urlParametersResult(context: DoctorContext): CheckResult {
  const id = 'pooler.url-parameters';
  const urls =
    context.directUrl === context.url ? { DATABASE_URL: context.url } : { DATABASE_URL: context.url, DIRECT_URL: context.directUrl };
  const found = Object.entries(urls).flatMap(([source, url]) =>
    misleadingUrlParameters(url).map((parameter) => ({ source, ...parameter })),
  );
  if (found.length === 0) return { id, status: 'pass', summary: 'no connection-string parameters that Prisma 7 ignores' };
  return {
    id,
    status: 'warn',
    summary: found.map((p) => `${p.source} ${p.name}=${p.value} ${p.instead}`).join('; '),
    remedy: `remove ${found.map((p) => `${p.name}=`).join(', ')} from the URL and set what it seemed to set through optdb's own options (OPTDB_POOL_SIZE, OPTDB_POOL_ACQUIRE_TIMEOUT_MS)`,
    details: { parameters: found.map(({ source, name, value }) => ({ source, name, value })) },
  };
}
