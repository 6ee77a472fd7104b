/**
 * Where optdb's database is: `DATABASE_URL` when set, otherwise the embedded server,
 * started on demand and stopped again when the job ends — unless it was already
 * running (`optdb db start`), in which case it is left running.
 */
import type { Config } from '../config.js';
import { EmbeddedServer } from './embedded-server.js';

export interface DatabaseTarget {
  /** The URL to connect to (contains the password: print only through redactUrl). */
  readonly url: string;
  /** The URL for migrations: DIRECT_URL when set, so they bypass a transaction pooler. */
  readonly directUrl: string;
  readonly embedded: boolean;
  /** Stops the embedded server if this call started it; idempotent. */
  release(): Promise<void>;
}

/** What a job that opens the database tells its caller, and lets it take part in. */
export interface DatabaseHooks {
  /**
   * Called, and awaited, once the database is open (the embedded server started if need
   * be) and ready for the job — for a job that writes, its schema checked: e.g. to say
   * which database it works on.
   */
  readonly onDatabase?: ((database: DatabaseTarget) => Promise<void> | void) | undefined;
  /**
   * For a process that may have to exit before the job ends (a second Ctrl-C, a stop
   * grace run out): called with how to release each thing the job opens that would
   * outlive the process — the embedded server it started, its pool — and returns how to
   * unregister it once the job released it itself.
   */
  readonly registerCleanup?: ((cleanup: () => Promise<void>) => () => void) | undefined;
}

export async function openDatabase(config: Config): Promise<DatabaseTarget> {
  if (config.databaseUrl !== undefined) {
    const url = config.databaseUrl;
    return { url, directUrl: config.directUrl ?? url, embedded: false, release: async () => {} };
  }
  const server = new EmbeddedServer(config.dataDir, config.embeddedPort);
  const { url, startedNow } = await server.start();
  // Every caller waits for the one stop (a job's own end and a Ctrl-C cleanup can both
  // release): the process must not exit while the server is still stopping.
  let stopping: Promise<void> | undefined;
  return {
    url,
    directUrl: url,
    embedded: true,
    release: () => (stopping ??= startedNow ? server.stop().then(() => undefined) : Promise.resolve()),
  };
}

/**
 * Runs `work` against the configured database, and makes sure an embedded server started
 * for it is stopped again however the work ends — normally, by an error, or (through
 * `registerCleanup`) by the process exiting first.
 */
export async function withDatabase<T>(
  config: Config,
  work: (database: DatabaseTarget) => Promise<T>,
  hooks: Pick<DatabaseHooks, 'registerCleanup'> = {},
): Promise<T> {
  const opening = openDatabase(config);
  // Registered before the server is up: a cleanup during start-up waits for the start to
  // finish, then stops the server again, so no server is left behind.
  const unregister = hooks.registerCleanup?.(async () => (await opening.catch(() => undefined))?.release());
  const database = await opening;
  try {
    return await work(database);
  } finally {
    unregister?.();
    await database.release();
  }
}
