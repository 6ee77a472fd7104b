/**
 * Doctor must not hang on what it diagnoses. Every statement a check sends through the
 * doctor context's pool runs in a transaction that starts with SET LOCAL lock_timeout and
 * statement_timeout, so a check behind a lock gives up after DOCTOR_TIMEOUTS and says who
 * holds it (lock-wait.ts) instead of waiting as long as the holder likes.
 *
 * SET LOCAL, not a session SET: behind a transaction pooler a session SET would stay on
 * the server connection and cut the statements of the next client that gets it (an
 * ingest's batches) to doctor's few seconds. A statement without parameters goes in one
 * round trip, `SET LOCAL …; SET LOCAL …; <statement>`, which the server runs as one
 * implicit transaction; one with parameters between BEGIN and COMMIT. A check's own
 * transaction (BEGIN … COMMIT/ROLLBACK, recognised by its text) gets the same settings
 * right after its BEGIN; a SET LOCAL of its own (the ANALYZE of `--fix`) overrides them.
 */
import type pg from 'pg';
import { withPooledClient } from '../db/pool.js';
import { setLocalTimeouts } from './sql/timeouts.js';

export interface DoctorTimeouts {
  /** How long a statement may wait for one lock: 55P03 lock_not_available after it. */
  readonly lockTimeoutMs: number;
  /** How long a statement may take in all: 57014 query_canceled after it. */
  readonly statementTimeoutMs: number;
}

// Doctor's statements read catalogs and statistics views (milliseconds) and EXPLAIN
// optdb's statements (planning, well under a second): 10 s is far above any of them on a
// healthy server. The locks they can wait for are the AccessShareLock of a read or an
// EXPLAIN (and the RowExclusiveLock of an EXPLAINed write), which only DDL, LOCK TABLE,
// VACUUM FULL or a CREATE INDEX deny — nothing doctor should queue behind: 2 s tells a
// lock that is held from one that was being let go.
export const DOCTOR_TIMEOUTS: DoctorTimeouts = Object.freeze({ lockTimeoutMs: 2_000, statementTimeoutMs: 10_000 });

const BEGIN = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;
const END = /^\s*(COMMIT|END|ABORT|ROLLBACK(?!\s+TO\b))\b/i;

/** `pool` with every statement bounded by `timeouts`; ending the pool stays the owner's job. */
export function boundedPool(pool: pg.Pool, timeouts: DoctorTimeouts = DOCTOR_TIMEOUTS): pg.Pool {
  const query = (config: string | pg.QueryConfig, values?: unknown[]) =>
    withPooledClient(pool, (client) => boundedClient(client, timeouts).query(config, values));
  const connect = async () => boundedClient(await pool.connect(), timeouts);
  return forwardingProxy(pool, { query, connect });
}

/** `client` with every statement bounded by `timeouts` (see the top of this file). */
export function boundedClient<Client extends pg.ClientBase>(client: Client, timeouts: DoctorTimeouts = DOCTOR_TIMEOUTS): Client {
  const setLocal = setLocalTimeouts(timeouts);
  let inTransaction = false;
  const raw = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult | pg.QueryResult[]>;

  async function query(...args: unknown[]): Promise<unknown> {
    const [config, values] = args;
    const text = typeof config === 'string' ? config : isPlainConfig(config) ? config.text : undefined;
    // Callbacks, cursors and COPY streams: doctor sends none; passed on as they are.
    if (text === undefined || typeof args.at(-1) === 'function') return raw(...args);
    if (inTransaction) {
      if (END.test(text)) inTransaction = false;
      return raw(...args);
    }
    if (BEGIN.test(text)) {
      const begun = await raw(...args);
      inTransaction = true;
      await raw(setLocal);
      return begun;
    }
    if (typeof config === 'string' && !(Array.isArray(values) && values.length > 0)) {
      const results = (await raw(`${setLocal}; ${text}`)) as pg.QueryResult[];
      return results.at(-1);
    }
    await raw(`BEGIN; ${setLocal}`);
    try {
      const result = await raw(...args);
      await raw('COMMIT');
      return result;
    } catch (error) {
      await raw('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  return forwardingProxy(client, { query });
}

function isPlainConfig(config: unknown): config is pg.QueryConfig {
  return typeof config === 'object' && config !== null && typeof (config as pg.QueryConfig).text === 'string' && !('submit' in config);
}

/** `target` with some methods replaced; every other property read from it, methods bound to it. */
function forwardingProxy<T extends object>(target: T, replaced: Record<string, unknown>): T {
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === 'string' && property in replaced) return replaced[property];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
