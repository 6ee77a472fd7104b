/**
 * `serveApi`: the stored history as a Polygon-compatible HTTP API. Opens the configured
 * database (the embedded server when there is no DATABASE_URL) and one pool, checks the
 * schema is migrated, and listens; `close()` (or the `signal`) stops listening, lets the
 * requests under way finish, and closes the pool and the database.
 */
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Config } from '../config.js';
import { type DatabaseHooks, openDatabase } from '../db/database.js';
import { createPool } from '../db/pool.js';
import { requireMigratedSchema } from '../db/schema-check.js';
import { OptdbError } from '../errors.js';
import type { ListenAddress } from '../metrics/metrics-server.js';
import { buildApp, type RequestLogEntry } from './app.js';
import { CursorCodec } from './cursor.js';
import { resolveServeSettings, type ServeSettingsInput } from './serve-options.js';

export type { RequestLogEntry } from './app.js';

export interface ServeOptions extends ServeSettingsInput, DatabaseHooks {
  /** Stops the server, as close() does. */
  readonly signal?: AbortSignal | undefined;
  /** Each answered request (no query string, no header: nothing secret). */
  readonly onRequest?: ((entry: RequestLogEntry) => void) | undefined;
  /** A request that failed on the server's side (the client reads only that it failed). */
  readonly onError?: ((error: Error) => void) | undefined;
}

export interface ApiServer {
  /** e.g. http://127.0.0.1:8080 (the real port when 0 was asked). */
  readonly url: string;
  readonly address: ListenAddress;
  /** Whether requests need `Authorization: Bearer <token>`. */
  readonly requiresToken: boolean;
  close(): Promise<void>;
}

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export async function serveApi(config: Config, options: ServeOptions = {}): Promise<ApiServer> {
  // Checked before the database is opened: a missing token fails at once, with its remedy.
  const settings = resolveServeSettings(options);
  const database = await openDatabase(config);
  const pool = createPool(database.url, config);
  let closing: Promise<void> | undefined;
  const closeDatabase = () => (closing ??= pool.end().finally(() => database.release()));
  const unregister = options.registerCleanup?.(closeDatabase);
  let baseUrl = '';
  try {
    await requireMigratedSchema(database.directUrl);
    await options.onDatabase?.(database);
    const app = await buildApp({
      pool,
      statementTimeoutMs: settings.statementTimeoutMs,
      token: settings.token,
      cursors: new CursorCodec(settings.cursorKey),
      baseUrl: () => baseUrl,
      version,
      onRequest: options.onRequest,
      onError: options.onError,
    });
    const { host, port } = settings.listen;
    await app.listen({ host, port }).catch((error: NodeJS.ErrnoException) => {
      throw new OptdbError('CONFIG_INVALID', `Cannot serve on ${hostPort(host, port)}: ${error.code ?? error.message}.`, {
        remedy:
          error.code === 'EADDRINUSE'
            ? 'Another process holds that port: choose another one with --listen.'
            : 'Check the host and port given to --listen.',
        cause: error,
      });
    });
    const bound = (app.server.address() as AddressInfo).port;
    baseUrl = `http://${hostPort(host, bound)}`;
    let stopping: Promise<void> | undefined;
    const close = () =>
      (stopping ??= app.close().finally(async () => {
        unregister?.();
        await closeDatabase();
      }));
    options.signal?.addEventListener('abort', () => void close(), { once: true });
    if (options.signal?.aborted) await close();
    return { url: baseUrl, address: { host, port: bound }, requiresToken: settings.token !== undefined, close };
  } catch (error) {
    unregister?.();
    await closeDatabase();
    throw error;
  }
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
