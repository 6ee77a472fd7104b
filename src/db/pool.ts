/**
 * One `pg.Pool` per process, shared by the Prisma client (through `@prisma/adapter-pg`)
 * and optdb's own SQL (COPY, migrations, diagnostics), so that the pool size is the one
 * number that bounds optdb's connections to the server.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Config } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { redactText } from '../redact.js';
import { OPTDB_WARNING } from '../warning.js';

export const APPLICATION_NAME = 'optdb';

type ConnectCallback = ((error: Error) => void) | ((error: null, client: pg.Client) => void);

/**
 * A client that closes its socket when connecting fails. An authentication error raised
 * mid-handshake (a server asking for a SCRAM password the URL does not have) leaves the
 * socket open, and neither pg-pool nor a caller's `catch` ends such a client: the process
 * would never exit. Every connection optdb opens is one of these.
 */
export class ClosingClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.Client> | void {
    if (!callback) {
      return super.connect().catch(async (error: unknown) => {
        await this.end().catch(() => undefined);
        throw error;
      });
    }
    // pg-pool's form.
    super.connect((error: Error) => {
      if (error) this.end().catch(() => undefined);
      (callback as (error: Error) => void)(error);
    });
  }
}

export function createPool(url: string, config: Pick<Config, 'poolSize' | 'poolAcquireTimeoutMs'>): pg.Pool {
  const pool = new pg.Pool({
    Client: ClosingClient,
    connectionString: url,
    max: config.poolSize,
    // Never wait forever for a connection: pg's default (0) does.
    connectionTimeoutMillis: config.poolAcquireTimeoutMs,
    application_name: APPLICATION_NAME,
  });
  // An idle client's connection dropped by the server (restart, pg_terminate_backend) is
  // reported here; without a listener it would crash the process. The pool replaces it.
  pool.on('error', (error) => {
    process.emitWarning(redactText(`idle database connection lost: ${error.message}`), OPTDB_WARNING);
  });
  // A checked-out client has no pool listener: the pool removes its own on checkout, before
  // the borrower can add one. A server that ends the session in that gap (its FATAL message
  // read in the same socket chunk as the end of the last query) emits 'error' on a client
  // nobody listens to, which crashes the process. Every client keeps this listener for its
  // whole life; the failure still reaches the borrower through its next query.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}

export interface Connections {
  readonly pool: pg.Pool;
  readonly prisma: PrismaClient;
  /** Disconnects Prisma, then ends the pool; safe to call more than once (Ctrl-C and finally). */
  close(): Promise<void>;
}

/** The process's one pool and the Prisma client over it. */
export function openConnections(url: string, config: Pick<Config, 'poolSize' | 'poolAcquireTimeoutMs'>): Connections {
  const pool = createPool(url, config);
  const prisma = createPrismaClient(pool);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await prisma.$disconnect();
      await pool.end();
    })());
  return { pool, prisma, close };
}

/** A Prisma client over the shared pool. adapter-pg sends unnamed statements: safe behind transaction poolers. */
export function createPrismaClient(pool: pg.Pool): PrismaClient {
  // Lost connections surface as failed queries (and are retried there); the adapter's
  // error events need a listener so they cannot crash the process.
  return new PrismaClient({ adapter: new PrismaPg(pool, { onConnectionError: () => {} }) });
}

/**
 * Runs `work` on a connection of its own, outside the pool, ended afterwards: for the
 * statements around a run (doctor's probes, load-test set-up, the closing ANALYZE).
 * `timeoutMs` bounds the connect and each query. A lost connection fails the next query
 * instead of emitting an 'error' nobody listens to.
 */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>, timeoutMs?: number): Promise<T> {
  const timeouts = timeoutMs === undefined ? {} : { connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs };
  const client = new ClosingClient({ connectionString: url, application_name: APPLICATION_NAME, ...timeouts });
  client.on('error', () => {});
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs `work` on a client checked out of the pool. A server that ends the session between
 * two statements (restart, pg_terminate_backend) emits 'error' on the client and fails its
 * next statement; a client that saw an error or failed is destroyed, not given back to the
 * pool for the next borrower to find broken.
 */
export async function withPooledClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken ? true : undefined);
  }
}
