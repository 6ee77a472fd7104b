/**
 * The limits on concurrency, each against the next one down, with numbers: a semaphore of
 * 100 concurrent operations over a pool sized 1,200 behind a pooler says nothing about the
 * connections the server can give. Here: optdb's write concurrency against its pool, the
 * pool × processes against the
 * connections the server can still give, the pool's acquire timeout, and the server-side
 * timeouts that decide how long a stuck statement or transaction can hold a connection.
 */
import { APPLICATION_NAME, withPooledClient } from '../db/pool.js';
import { inTransaction } from '../db/transaction.js';
import type { CheckFamily, CheckResult, DoctorContext } from './check.js';
import { usableSlots } from './connection-slots.js';
import type { PoolerFinding } from './pooler-detection.js';
import { SESSION_DEFAULTS, TIMEOUTS, USED_BY_OTHERS } from './sql/configuration.js';

/** Above this share of the free connections, optdb leaves too little for anyone else (PostgreSQL health tools warn at 80 % too). */
const SERVER_SHARE_WARN = 0.8;
const ACQUIRE_TIMEOUT_MAX_MS = 60_000;
// A writer waiting for a connection waits for another writer's batch to finish.
const ACQUIRE_TIMEOUT_MIN_MS = 1_000;
/** Below these, ordinary batches (thousands of rows, waiting on each other's row locks) fail. */
const TIMEOUT_MINIMUM_MS: Readonly<Record<string, number>> = {
  statement_timeout: 5_000,
  lock_timeout: 1_000,
  idle_in_transaction_session_timeout: 5_000,
};
/** Generous for any batch, short enough that a stuck statement is ended within minutes. */
const SUGGESTED: Readonly<Record<string, string>> = {
  statement_timeout: '10min',
  lock_timeout: '30s',
  idle_in_transaction_session_timeout: '5min',
};

export const configuration: CheckFamily = {
  name: 'configuration',
  async run(context) {
    const finding = await context.pooler();
    return [await concurrencyResult(context, finding), acquireTimeoutResult(context), await timeoutsResult(context, finding)];
  },
};

async function concurrencyResult(context: DoctorContext, finding: PoolerFinding): Promise<CheckResult> {
  const { pool, config, workers } = context;
  const id = 'configuration.concurrency';
  const { writeConcurrency, poolSize } = config;
  const wanted = poolSize * workers;
  const slots = await context.connectionSlots();
  const { used_by_others } = (await pool.query<{ used_by_others: number }>(USED_BY_OTHERS, [APPLICATION_NAME])).rows[0]!;
  const server = { ...slots, used_by_others };
  const available = usableSlots(slots) - used_by_others;
  const details = { writeConcurrency, poolSize, workers, wanted, ...server, available, pooler: finding.detected };
  const shape = `write concurrency ${writeConcurrency}, pool ${poolSize} × ${workers} worker(s) = ${wanted} connections`;
  const capacity = `${available} free on the server (max_connections ${server.max_connections} − ${server.superuser_reserved + server.reserved} reserved − ${server.used_by_others} used by others)`;

  // Through a pooler, optdb's client connections are the pooler's to multiplex: the
  // server-side limit is the pooler's pool size, not optdb's.
  if (!finding.detected && wanted > available) {
    return {
      id,
      status: 'fail',
      summary: `${shape} > ${capacity}: connections beyond it fail with 53300 too many connections`,
      remedy: `lower OPTDB_POOL_SIZE to ${Math.max(1, Math.floor(available / workers))} or fewer, or raise max_connections (a restart), or put a transaction pooler in front (DATABASE_URL = pooler, DIRECT_URL = server)`,
      details,
    };
  }
  if (writeConcurrency > poolSize) {
    return {
      id,
      status: 'warn',
      summary: `${shape}: write concurrency ${writeConcurrency} > pool ${poolSize}, so ${writeConcurrency - poolSize} batch(es) always wait for a connection (and may time out after ${config.poolAcquireTimeoutMs} ms); optdb ingest and poll refuse to start with it`,
      remedy: `set OPTDB_WRITE_CONCURRENCY (--concurrency) to at most ${poolSize}, or raise OPTDB_POOL_SIZE to ${writeConcurrency}`,
      details,
    };
  }
  if (!finding.detected && wanted > available * SERVER_SHARE_WARN) {
    return {
      id,
      status: 'warn',
      summary: `${shape} take ${Math.round((wanted / available) * 100)} % of the ${capacity}: little is left for anyone else`,
      remedy: `lower OPTDB_POOL_SIZE (e.g. to ${Math.max(1, Math.floor((available * SERVER_SHARE_WARN) / workers))}) or raise max_connections`,
      details,
    };
  }
  const where = finding.detected ? 'through a pooler, which multiplexes them onto its own server connections' : `within the ${capacity}`;
  return { id, status: 'pass', summary: `${shape}, ${where}`, details };
}

function acquireTimeoutResult({ config }: DoctorContext): CheckResult {
  const id = 'configuration.pool-acquire-timeout';
  const ms = config.poolAcquireTimeoutMs;
  const details = { poolAcquireTimeoutMs: ms };
  if (ms > ACQUIRE_TIMEOUT_MAX_MS) {
    return {
      id,
      status: 'warn',
      summary: `pool acquire timeout ${ms} ms: a writer starved of connections waits over ${ACQUIRE_TIMEOUT_MAX_MS / 1000} s before it is told`,
      remedy: 'set OPTDB_POOL_ACQUIRE_TIMEOUT_MS to 10000–60000, and fix the starvation itself (concurrency above the pool)',
      details,
    };
  }
  if (ms < ACQUIRE_TIMEOUT_MIN_MS) {
    return {
      id,
      status: 'warn',
      summary: `pool acquire timeout ${ms} ms: shorter than one batch, so writers waiting for a busy pool time out in normal operation`,
      remedy: 'set OPTDB_POOL_ACQUIRE_TIMEOUT_MS to 10000 (the default) or more',
      details,
    };
  }
  return { id, status: 'pass', summary: `pool acquire timeout ${ms} ms`, details };
}

interface TimeoutRow {
  name: string;
  ms: string;
  source: string;
  role: string;
  database: string;
}

async function timeoutsResult({ pool }: DoctorContext, finding: PoolerFinding): Promise<CheckResult> {
  const id = 'configuration.timeouts';
  const rows = await withPooledClient(pool, (client) =>
    inTransaction(client, async () => {
      for (const sql of SESSION_DEFAULTS) await client.query(sql);
      return (await client.query<TimeoutRow>(TIMEOUTS)).rows;
    }),
  );
  const settings = rows.map((row) => ({ name: row.name, ms: Number(row.ms), source: row.source }));
  const details = Object.fromEntries(settings.map((s) => [s.name, { ms: s.ms, source: s.source }]));
  const listing = settings.map((s) => `${s.name} = ${s.ms === 0 ? '0 (off)' : formatMs(s.ms)} (${s.source})`).join(', ');
  const { role, database } = rows[0]!;

  const tooLow = settings.filter((s) => s.ms > 0 && s.ms < TIMEOUT_MINIMUM_MS[s.name]!);
  const statement = settings.find((s) => s.name === 'statement_timeout')!;
  // A SET in a session does not survive a transaction pooler: only role or database
  // settings reach every server connection the pooler opens.
  const poolerNote =
    finding.detected && finding.mode !== 'session'
      ? ' (through the transaction pooler, a SET in a session would not persist: set it on the role or database)'
      : '';

  if (tooLow.length > 0) {
    return {
      id,
      status: 'warn',
      summary: `${tooLow.map((s) => `${s.name} = ${formatMs(s.ms)}`).join(', ')}: too short for batch writes, which then fail with 57014/55P03/25P03 — ${listing}`,
      remedy: `${tooLow.map((s) => raiseRemedy(s, role, database)).join('; ')}${poolerNote}`,
      details,
    };
  }
  if (statement.ms === 0) {
    return {
      id,
      status: 'warn',
      summary: `statement_timeout is off: a stuck statement can hold a connection (and its locks) forever — ${listing}`,
      remedy: `ALTER ROLE ${role} SET statement_timeout = '${SUGGESTED.statement_timeout}' (applies to new connections)${poolerNote}`,
      details,
    };
  }
  return { id, status: 'pass', summary: listing, details };
}

function raiseRemedy(setting: { name: string; source: string }, role: string, database: string): string {
  const value = SUGGESTED[setting.name];
  switch (setting.source) {
    case 'database':
      return `ALTER DATABASE ${database} SET ${setting.name} = '${value}'`;
    case 'user':
    case 'database user':
      return `ALTER ROLE ${role} SET ${setting.name} = '${value}'`;
    case 'client':
    case 'session':
      return `remove ${setting.name} from the connection (URL \`options\`, PGOPTIONS) or the code that SETs it`;
    default:
      return `raise ${setting.name} in postgresql.conf (ALTER SYSTEM) or override it: ALTER ROLE ${role} SET ${setting.name} = '${value}'`;
  }
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
