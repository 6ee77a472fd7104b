import type { Command } from 'commander';
import { explain, type ExplainResult, type Explanation } from '../explain/explain.js';
import { say } from './output.js';

/** `optdb explain <code | message>`: needs no database. Exit 0 when known, 1 when not, 2 when given nothing. */
export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('explain a SQLSTATE, Prisma code or error message: what it means, what optdb does about it, what to do')
    .argument('<query...>', 'a code (XX000, 40p01, 23, P2034), a condition name (deadlock_detected) or a pasted message; - reads stdin')
    .option('--json', 'print the result as JSON')
    .action(async (words: string[], options: { json?: boolean }, command: Command) => {
      const fromStdin = words.length === 1 && words[0] === '-';
      const query = fromStdin ? await readStdin() : words.join(' ');
      // An empty query is a bad command line, like a missing one: exit 2, through main's report.
      if (query.trim() === '')
        command.error(`error: nothing to explain${fromStdin ? ' (stdin was empty)' : ''}: ${WHAT_TO_GIVE}`, { exitCode: 2 });
      const result = explain(query);
      if (options.json) say(JSON.stringify(result, null, 2));
      else printResult(result);
      if (result.matches.length === 0) process.exitCode = 1;
    });
}

const WHAT_TO_GIVE =
  'give a SQLSTATE (XX000), a class (23), a Prisma code (P2034), a condition name (deadlock_detected) or an error message; - reads it from stdin';

function printResult(result: ExplainResult): void {
  if (result.matches.length === 0) say(`not known: ${oneLine(result.query)}`);
  result.matches.forEach((match, index) => {
    if (index > 0) say();
    printExplanation(match);
  });
  if (result.suggestions && result.suggestions.length > 0) {
    say();
    say(result.matches.length === 0 ? 'closest matches:' : 'also:');
    for (const suggestion of result.suggestions) say(`  ${suggestion.code.padEnd(8)} ${suggestion.name}`);
  }
}

function printExplanation(match: Explanation): void {
  say(`${match.code}  ${match.name}`);
  if (match.message) say(`  message:  ${match.message}`);
  if (match.class && match.kind !== 'class') say(`  class:    ${match.class}`);
  if (match.equivalent) say(`  same as:  ${match.equivalent}`);
  say(`  meaning:  ${match.meaning}`);
  if (match.triggers.length > 0) {
    say('  common triggers:');
    for (const trigger of match.triggers) say(`    - ${trigger}`);
  }
  say(`  optdb:    ${match.optdbAction}`);
  say(`  to do:    ${match.remedy}`);
  if (match.codes) {
    say('  codes:');
    for (const entry of match.codes) say(`    ${entry.code}  ${entry.name}`);
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
