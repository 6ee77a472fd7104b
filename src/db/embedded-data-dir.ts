/**
 * The embedded server's data directory (`.optdb/` by default) and the files optdb keeps in it:
 *   pgdata/        the cluster (owned by the `postgres` OS user when optdb runs as root)
 *   password       the superuser's generated password, mode 0600
 *   server.json    the port the cluster listens on
 *
 * Whoever can write in this directory could read the password, plant a symlink that turns
 * optdb's next write (as root, perhaps) onto a file of their choosing, or put a port into
 * server.json that pg_ctl's shell runs as a command. So optdb creates it private, refuses
 * one that another user owns or that group or others can write, writes its files without
 * following symlinks, and takes from server.json only a port number.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { OptdbError } from '../errors.js';

export interface OsUser {
  uid: number;
  gid: number;
}

/**
 * Creates the directory if it is missing — mode 0700; when the server runs as another OS user
 * (optdb as root), 0710 with that user's group, so that the server can reach its cluster
 * directory inside and read nothing else — then checks that the directory is private.
 */
export async function preparePrivateDirectory(dir: string, serverUser: OsUser | undefined): Promise<void> {
  await fs.mkdir(path.dirname(dir), { recursive: true });
  const created = await fs.mkdir(dir, { mode: 0o700 }).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false;
      throw error;
    },
  );
  if (created && serverUser) {
    // Through a handle opened without following symlinks: the parent directory may be
    // shared, and a link swapped in since mkdir must not receive the chown.
    const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;
    const handle = await fs.open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    try {
      await handle.chown(process.getuid!(), serverUser.gid);
      await handle.chmod(0o710);
    } finally {
      await handle.close();
    }
  }
  await assertPrivate(dir);
}

async function assertPrivate(dir: string): Promise<void> {
  const uid = process.getuid?.();
  if (uid === undefined) return; // Windows: no owner or mode bits to check
  const stat = await fs.stat(dir);
  if (!stat.isDirectory()) {
    throw new OptdbError('EMBEDDED_SERVER', `The data directory ${dir} is not a directory.`, {
      remedy: 'Set --data-dir or OPTDB_DATA_DIR to a directory.',
    });
  }
  if (stat.uid !== uid) {
    throw new OptdbError(
      'EMBEDDED_SERVER',
      `The data directory ${dir} is owned by uid ${stat.uid}, not by this user (uid ${uid}); it holds the database password.`,
      { remedy: `Use a directory of your own (--data-dir or OPTDB_DATA_DIR), or chown it to uid ${uid}.` },
    );
  }
  const writers = [stat.mode & 0o020 ? 'its group' : '', stat.mode & 0o002 ? 'other users' : ''].filter(Boolean);
  if (writers.length > 0) {
    throw new OptdbError(
      'EMBEDDED_SERVER',
      `The data directory ${dir} can be written by ${writers.join(' and ')} (mode ${(stat.mode & 0o7777).toString(8).padStart(4, '0')}); it holds the database password.`,
      { remedy: `Run: chmod go-w ${dir}` },
    );
  }
}

/**
 * Runs `use` with `text` in a new file only `reader` (when given) or this user can read: a
 * random name in a fresh private directory, removed afterwards — no name anyone could
 * prepare a symlink at.
 */
export async function withPrivateFile<T>(
  dir: string,
  text: string,
  reader: OsUser | undefined,
  use: (file: string) => Promise<T>,
): Promise<T> {
  const privateDir = await fs.mkdtemp(path.join(dir, '.private-'));
  try {
    const file = path.join(privateDir, 'content');
    await writeNewFile(file, text, reader);
    if (reader) await fs.lchown(privateDir, reader.uid, reader.gid);
    return await use(file);
  } finally {
    await fs.rm(privateDir, { recursive: true, force: true });
  }
}

/**
 * Replaces `file` whole, mode 0600: a new file renamed over it, so a symlink at the path is
 * replaced rather than followed, and a concurrent reader sees the old content or the new.
 */
export async function replaceFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}`;
  await writeNewFile(temporary, text);
  try {
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** 'wx' is O_CREAT|O_EXCL: it fails on anything already at the path, a symlink included. */
async function writeNewFile(file: string, text: string, owner?: OsUser): Promise<void> {
  const handle = await fs.open(file, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    if (owner) await handle.chown(owner.uid, owner.gid);
  } finally {
    await handle.close();
  }
}

/**
 * The port in server.json, undefined when there is no such file yet. It goes into pg_ctl's
 * `-o` string, which a shell reads: nothing but a port number may come out of the file.
 */
export async function readPortFile(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
  let port: unknown;
  try {
    port = (JSON.parse(text) as { port?: unknown } | null)?.port;
  } catch {
    port = text.trim();
  }
  if (isPort(port)) return port;
  throw new OptdbError('EMBEDDED_SERVER', `${file}: the port must be an integer from 1 to 65535, got ${shown(port)}.`, {
    remedy: `Delete ${file} and run \`optdb db stop\`; optdb writes the file again when it starts the server.`,
  });
}

export async function writePortFile(file: string, port: number): Promise<void> {
  await replaceFile(file, `${JSON.stringify({ port })}\n`);
}

export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65_535;
}

export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
