/**
 * docs/configuration.md's table of options against src/config.ts. What resolveConfig reads
 * is found by watching it read (a Proxy over the environment and over the flags), so an
 * option added to config.ts without a row, or a default or range changed on one side
 * only, fails here. The table's flags are checked against the built CLI's help.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Config, type ConfigFlags, resolveConfig } from '../src/config.js';
import { runCli } from './harness/cli.js';

interface Row {
  readonly flag: string;
  readonly default: string;
  readonly accepted: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const rows = optionsTable(fs.readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8'));
const defaults = resolveConfig({}, {});
const variables = variablesRead();

test('every environment variable config.ts reads has a row', () => {
  assert.ok(variables.length > 0);
  for (const name of variables) assert.ok(rows.has(name), `${name} is read by src/config.ts but has no row in docs/configuration.md`);
});

test("each row's default is config.ts's default", () => {
  for (const name of variables) {
    const row = rows.get(name);
    if (!row) continue; // reported by the test above
    const key = optionSetBy(name, (value) => resolveConfig({}, { [name]: value }));
    if (row.default.startsWith('unset')) {
      assert.equal(defaults[key], undefined, `${name}: the table says unset, config.ts defaults ${key} to ${String(defaults[key])}`);
      continue;
    }
    const stated = literal(row.default, `${name}'s default`);
    assert.notEqual(defaults[key], undefined, `${name}: the table says ${stated}, config.ts leaves ${key} unset`);
    assert.equal(
      resolveConfig({}, { [name]: stated })[key],
      defaults[key],
      `${name}: the table says ${stated}, config.ts defaults ${key} to ${String(defaults[key])}`,
    );
  }
});

test("each whole-number row's accepted range is config.ts's", () => {
  let checked = 0;
  for (const name of variables) {
    const range = /^`(\d+)`–`(\d+)`$/.exec(rows.get(name)?.accepted ?? '');
    if (!range) continue;
    const [min, max] = [Number(range[1]), Number(range[2])];
    for (const value of [min, max])
      assert.doesNotThrow(() => resolveConfig({}, { [name]: String(value) }), `${name}=${value} is in the stated range`);
    for (const value of [min - 1, max + 1])
      assert.throws(() => resolveConfig({}, { [name]: String(value) }), new RegExp(name), `${name}=${value} is outside the stated range`);
    checked += 1;
  }
  assert.ok(checked > 0, 'no row states a whole-number range');
});

test('a flag config.ts reads is named on the row of the variable that sets the same option', () => {
  const flags = flagsRead();
  assert.ok(flags.length > 0);
  for (const flag of flags) {
    const key = optionSetBy(`flag ${flag}`, (value) => resolveConfig({ [flag]: value }, {}));
    const variable = variables.find((name) => optionSetBy(name, (value) => resolveConfig({}, { [name]: value })) === key);
    assert.ok(variable, `flag ${flag} sets ${key}, which no environment variable sets`);
    const option = `--${flag.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
    assert.ok(rows.get(variable)!.flag.includes(`\`${option}\``), `${variable}'s row does not name its flag ${option}`);
  }
});

test('a row for a variable config.ts does not read names one that src/ reads', () => {
  const source = sourceText(path.join(ROOT, 'src'));
  for (const name of rows.keys()) {
    if (variables.includes(name)) continue;
    assert.ok(source.includes(`'${name}'`) || source.includes(`.${name}`), `${name} has a row but nothing in src/ reads it`);
  }
});

test("each row's flag is on the commands it names (the built CLI's help)", async () => {
  for (const [variable, row] of rows) {
    if (!row.flag) continue;
    const flag = /^`(--[a-z-]+)` \(([^)]+)\)$/.exec(row.flag);
    assert.ok(flag, `${variable}'s flag is written as \`--flag\` (command, command): ${row.flag}`);
    for (const command of flag[2]!.split(',').map((name) => name.trim())) {
      const args = command === 'every command' ? ['--help'] : [...command.split(' '), '--help'];
      const help = await runCli(args);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^\\s+${flag[1]} `, 'm'), `optdb ${args.join(' ')} does not list ${flag[1]}`);
    }
  }
});

/** The environment variables resolveConfig reads. */
function variablesRead(): string[] {
  const read: string[] = [];
  resolveConfig({}, watched(read));
  return read;
}

/** The ConfigFlags resolveConfig reads. */
function flagsRead(): (keyof ConfigFlags)[] {
  const read: string[] = [];
  resolveConfig(watched(read), {});
  return read as (keyof ConfigFlags)[];
}

function watched(read: string[]): Record<string, undefined> {
  return new Proxy({}, { get: (_, name) => void (typeof name === 'string' && !read.includes(name) && read.push(name)) });
}

/** The one Config option a flag or variable sets: the first probe value config.ts accepts changes it. */
function optionSetBy(what: string, resolve: (value: string) => Config): keyof Config {
  for (const probe of ['postgresql://probe@127.0.0.1:1/probe', '7', '0.5', 'probe-directory']) {
    let probed: Config;
    try {
      probed = resolve(probe);
    } catch {
      continue;
    }
    const changed = (Object.keys(defaults) as (keyof Config)[]).filter((key) => probed[key] !== defaults[key]);
    assert.equal(changed.length, 1, `${what} set to ${probe} changes ${changed.join(', ') || 'no option'}`);
    return changed[0]!;
  }
  assert.fail(`${what}: config.ts accepted none of the probe values`);
}

/** A backquoted value: `54329`. */
function literal(cell: string, what: string): string {
  const match = /^`([^`]+)`$/.exec(cell);
  assert.ok(match, `${what} is written as one \`value\` or as "unset (…)": ${cell}`);
  return match[1]!;
}

/** The table under "## Options", by environment variable, its cells by header name. */
function optionsTable(markdown: string): Map<string, Row> {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Options\n'));
  assert.ok(section, 'docs/configuration.md has an "## Options" section');
  const lines = section.split('\n').filter((line) => line.startsWith('|'));
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
  const header = cells(lines[0]!);
  const table = new Map<string, Row>();
  for (const line of lines.slice(2)) {
    const row = new Map(cells(line).map((cell, i) => [header[i], cell]));
    const environment = literal(row.get('environment') ?? '', 'an environment cell');
    assert.ok(!table.has(environment), `${environment} has two rows`);
    table.set(environment, { flag: row.get('flag') ?? '', default: row.get('default') ?? '', accepted: row.get('accepted') ?? '' });
  }
  assert.ok(table.size > 0, 'the options table has rows');
  return table;
}

function sourceText(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !path.relative(dir, entry.parentPath).startsWith('generated'))
    .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}
