/**
 * Opening a file optdb writes (rejects, sample data) for writing from the start. The
 * last component of the name must not be a symbolic link: in a shared directory such as
 * /tmp, anyone can plant `rejects.ndjson -> ~/.bashrc` and have optdb truncate and fill
 * the file the link points to. Failures are OptdbErrors that name the file and why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OptdbError } from './errors.js';

const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW } = fs.constants;

/** A file descriptor open for writing on `file`, created (mode 0666 less the umask) or truncated. */
export function openOutputFile(file: string): number {
  try {
    return fs.openSync(file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o666);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') {
      throw new OptdbError('CONFIG_INVALID', `${file} is a symbolic link: optdb does not write through links`, {
        remedy: 'Name the file itself, or a new file.',
        cause: error,
      });
    }
    const reason = error instanceof Error ? error.message.replace(/^\w+: /, '').replace(/, open '.*'$/, '') : String(error);
    throw new OptdbError('CONFIG_INVALID', `Cannot write ${file}: ${reason}${code ? ` (${code})` : ''}`, { cause: error });
  }
}

/**
 * An output file that is also an input would be truncated before it is read (`--rejects
 * data.csv`): refused before anything is opened. Same file: same device and inode, or
 * the same resolved path for an output that does not exist yet.
 */
export async function refuseOutputsThatAreInputs(inputs: readonly string[], outputs: Record<string, string | undefined>): Promise<void> {
  const identity = async (file: string) => {
    const stat = await fs.promises.stat(file).catch(() => undefined);
    return stat ? `${stat.dev}:${stat.ino}` : path.resolve(file);
  };
  const inputIds = new Map<string, string>();
  for (const input of inputs) if (input !== '-') inputIds.set(await identity(input), input);
  for (const [flag, output] of Object.entries(outputs)) {
    if (output === undefined) continue;
    const input = inputIds.get(await identity(output));
    if (input !== undefined)
      throw new OptdbError(
        'CONFIG_INVALID',
        `${flag} ${output} is also an input (${input}): writing it would destroy the input before it is read.`,
        { remedy: `Give ${flag} another file.` },
      );
  }
}
