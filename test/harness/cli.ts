/** Runs the built `optdb` command (dist/, built by `pretest`) as a user would. */
import { spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 120_000): Promise<CliResult> {
  const child = spawnCli(args, env);
  return collect(child, timeoutMs);
}

/** With `stdin: 'pipe'`, write the input to `child.stdin` and end it. */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}, stdin: 'ignore' | 'pipe' = 'ignore') {
  const merged: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return spawn(process.execPath, [CLI_PATH, ...args], { env: merged as NodeJS.ProcessEnv, stdio: [stdin, 'pipe', 'pipe'] });
}

export function collect(child: ReturnType<typeof spawn>, timeoutMs = 120_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

/**
 * A CLI run a test watches while it runs: killed when the test ends (whatever its outcome),
 * `done` when it exits, and its stderr so far readable at any moment.
 */
export function watchCli(
  t: TestContext,
  args: string[],
  env: Record<string, string | undefined>,
  stdin: 'ignore' | 'pipe',
  timeoutMs: number,
): { child: ReturnType<typeof spawn>; done: Promise<CliResult>; stderr: () => string } {
  const child = spawnCli(args, env, stdin);
  t.after(() => void child.kill('SIGKILL'));
  const done = collect(child, timeoutMs);
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return { child, done, stderr: () => stderr };
}
