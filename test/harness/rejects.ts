/** A CLI ingest with `--rejects`, and the rejects file read back: what the accounting tests look at. */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { runCli } from './cli.js';

export interface Reject {
  readonly source: string;
  readonly location: number;
  readonly raw: string;
  readonly reason: string;
}

/** The rejects an NDJSON rejects file holds, in order. */
export async function readRejects(file: string): Promise<Reject[]> {
  const text = (await fs.readFile(file, 'utf8')).trimEnd();
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as Reject);
}

/** `optdb ingest <file> --json --rejects <file>.rejects.ndjson`, which must exit 0: its summary and its rejects. */
export async function ingestWithRejects(
  file: string,
  env: Record<string, string | undefined>,
  args: string[] = [],
): Promise<{ summary: Record<string, number>; rejects: Reject[] }> {
  const rejects = `${file}.rejects.ndjson`;
  const result = await runCli(['ingest', file, '--json', '--no-progress', '--rejects', rejects, ...args], env, 240_000);
  assert.equal(result.code, 0, `exit ${result.code} ${result.signal ?? ''}: ${result.stderr.slice(-1_500)}`);
  return { summary: JSON.parse(result.stdout), rejects: await readRejects(rejects) };
}
