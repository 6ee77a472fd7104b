/**
 * Opening a file optdb writes (rejects, sample data) for writing from the start. The
 * last component of the name must not be a symbolic link: in a shared directory such as
 * /tmp, anyone can plant `rejects.ndjson -> ~/.bashrc` and have optdb truncate and fill
 * the file the link points to. Failures are OptdbErrors that name the file and why.
 */
import fs from 'node:fs';
import { OptdbError } from './errors.js';

const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW } = fs.constants;

/** A file descriptor open for writing on `path`, created (mode 0666 less the umask) or truncated. */
export function openOutputFile(path: string): number {
  try {
    return fs.openSync(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o666);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') {
      throw new OptdbError('CONFIG_INVALID', `${path} is a symbolic link: optdb does not write through links`, {
        remedy: 'Name the file itself, or a new file.',
        cause: error,
      });
    }
    const reason = error instanceof Error ? error.message.replace(/^\w+: /, '').replace(/, open '.*'$/, '') : String(error);
    throw new OptdbError('CONFIG_INVALID', `Cannot write ${path}: ${reason}${code ? ` (${code})` : ''}`, { cause: error });
  }
}
