/**
 * Where optdb's database is: `DATABASE_URL` when set, otherwise the embedded server,
 * started on demand and stopped again when the command ends — unless it was already
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

export async function openDatabase(config: Config): Promise<DatabaseTarget> {
  if (config.databaseUrl !== undefined) {
    const url = config.databaseUrl;
    return { url, directUrl: config.directUrl ?? url, embedded: false, release: async () => {} };
  }
  const server = new EmbeddedServer(config.dataDir, config.embeddedPort);
  const { url, startedNow } = await server.start();
  // Every caller waits for the one stop (a command's own end and a Ctrl-C cleanup can both
  // release): the process must not exit while the server is still stopping.
  let stopping: Promise<void> | undefined;
  return {
    url,
    directUrl: url,
    embedded: true,
    release: () => (stopping ??= startedNow ? server.stop().then(() => undefined) : Promise.resolve()),
  };
}
