/** How the CLI prints: results to stdout, diagnostics to stderr, secrets never. */
import { redactText } from '../redact.js';

export function say(line = ''): void {
  process.stdout.write(`${redactText(line)}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`${redactText(line)}\n`);
}
