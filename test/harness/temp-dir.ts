/** A temporary directory for one test file's fixtures, removed when the file is done. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';

export interface TempDirectory {
  /** The directory (available once the file's tests run). */
  readonly path: string;
  /** Writes a fixture file and returns its path. */
  write(name: string, content: string | Buffer): Promise<string>;
}

export function useTempDirectory(prefix: string): TempDirectory {
  let dir = '';
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  return {
    get path() {
      return dir;
    },
    async write(name, content) {
      const file = path.join(dir, name);
      await fs.writeFile(file, content);
      return file;
    },
  };
}
