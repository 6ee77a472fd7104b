/** How the CLI prints: results to stdout, diagnostics to stderr, secrets never. */
import { redactText } from '../redact.js';

// A reader that stops early (`optdb explain 23 | head`) closes the pipe: that ends the
// output, it is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

export function say(line = ''): void {
  process.stdout.write(`${redactText(line)}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`${redactText(line)}\n`);
}
