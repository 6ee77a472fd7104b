/**
 * Files optdb writes are never written through a symbolic link: a link planted where
 * `--rejects` or `--out` points (in /tmp, say) must not let optdb truncate the file it
 * names. A plain existing file is still overwritten, as a user re-running expects.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { DOCUMENTED_RESULT } from './harness/polygon-fixtures.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-outputs-');
after(() => databases.dropAll());

const PRECIOUS = 'a file someone else owns\n';

async function plantedLink(name: string): Promise<{ link: string; target: string }> {
  const target = await dir.write(`${name}.target`, PRECIOUS);
  const link = path.join(dir.path, name);
  await fs.symlink(target, link);
  return { link, target };
}

test('ingest --rejects through a symbolic link is refused before anything is read; the linked file is untouched', async () => {
  const db = await databases.migrated('outputs_rejects');
  const input = await dir.write('bad.ndjson', '{"details":{"ticker":"not-a-ticker"}}\n');
  const { link, target } = await plantedLink('rejects.ndjson');
  const result = await runCli(['ingest', input, '--rejects', link], { DATABASE_URL: db.url });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^optdb: .*rejects\.ndjson is a symbolic link: optdb does not write through links/m);
  assert.equal(await fs.readFile(target, 'utf8'), PRECIOUS);

  // A regular file left by an earlier run is replaced by this run's rejects.
  const plain = await dir.write('plain-rejects.ndjson', PRECIOUS);
  const again = await runCli(['ingest', input, '--rejects', plain], { DATABASE_URL: db.url });
  assert.equal(again.code, 0, again.stderr);
  const lines = (await fs.readFile(plain, 'utf8')).trimEnd().split('\n');
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]!).location, 1);
});

test('sample --out through a symbolic link is refused; the linked file is untouched', async () => {
  for (const name of ['sample.ndjson', 'sample.ndjson.gz']) {
    const { link, target } = await plantedLink(name);
    const result = await runCli(['sample', '--format', 'chain-ndjson', '--contracts', '10', '--out', link]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /is a symbolic link: optdb does not write through links/);
    assert.equal(await fs.readFile(target, 'utf8'), PRECIOUS, name);
  }
});

test('an output in a directory that does not exist: a clear error naming the file', async () => {
  const db = await databases.migrated('outputs_missing_dir');
  const input = await dir.write('good.ndjson', `${DOCUMENTED_RESULT}\n`);
  const missing = path.join(dir.path, 'no-such-dir', 'rejects.ndjson');
  const result = await runCli(['ingest', input, '--rejects', missing], { DATABASE_URL: db.url });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^optdb: Cannot write .*no-such-dir\/rejects\.ndjson: no such file or directory \(ENOENT\)/m);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
});
