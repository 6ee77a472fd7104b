/**
 * Runs one command against optdb's database: resolves it (DATABASE_URL or the embedded
 * server), and makes sure an embedded server started for this command is stopped again
 * however the command ends — normally, by an error, or by Ctrl-C.
 */
import type { Config } from '../config.js';
import { type DatabaseTarget, openDatabase } from '../db/database.js';
import { onShutdown } from './shutdown.js';

export async function withDatabase<T>(config: Config, work: (target: DatabaseTarget) => Promise<T>): Promise<T> {
  const opening = openDatabase(config);
  // Registered before the server is up: a Ctrl-C during start-up waits for the start to
  // finish, then stops the server again, so no server is left behind.
  const unregister = onShutdown(async () => (await opening.catch(() => undefined))?.release());
  const target = await opening;
  try {
    return await work(target);
  } finally {
    unregister();
    await target.release();
  }
}
