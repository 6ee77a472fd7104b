import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { resolveConfig } from '../src/config.js';
import { OptdbError } from '../src/errors.js';

test('defaults: embedded server in .optdb, pool of 10 with a 10 s acquire timeout', () => {
  const config = resolveConfig({}, {});
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.dataDir, path.resolve('.optdb'));
  assert.equal(config.embeddedPort, 54329);
  assert.equal(config.poolSize, 10);
  assert.equal(config.poolAcquireTimeoutMs, 10_000);
  assert.ok(Object.isFrozen(config));
});

test('a flag beats the environment, which beats the default', () => {
  assert.equal(resolveConfig({}, { OPTDB_DATA_DIR: '/tmp/env-dir' }).dataDir, '/tmp/env-dir');
  assert.equal(resolveConfig({ dataDir: '/tmp/flag-dir' }, { OPTDB_DATA_DIR: '/tmp/env-dir' }).dataDir, '/tmp/flag-dir');
});

test('DATABASE_URL selects an external server; an empty one means embedded', () => {
  assert.equal(resolveConfig({}, { DATABASE_URL: 'postgresql://x@h/db' }).databaseUrl, 'postgresql://x@h/db');
  assert.equal(resolveConfig({}, { DATABASE_URL: '  ' }).databaseUrl, undefined);
});

test('a bad value fails naming the option, the rule and the value', () => {
  assert.throws(
    () => resolveConfig({}, { OPTDB_POOL_SIZE: '-1' }),
    (error: unknown) =>
      error instanceof OptdbError && error.code === 'CONFIG_INVALID' && /OPTDB_POOL_SIZE: must be >= 1, got `-1`/.test(error.message),
  );
  assert.throws(() => resolveConfig({}, { OPTDB_EMBEDDED_PORT: 'abc' }), /OPTDB_EMBEDDED_PORT/);
  // Number() would take these; a count is written in digits.
  for (const value of ['0x10', '1e1', '1.5', '']) {
    assert.throws(() => resolveConfig({}, { OPTDB_WRITE_CONCURRENCY: value }), /OPTDB_WRITE_CONCURRENCY: must be a whole number/, value);
  }
});

test('a URL node-postgres cannot read (a password not percent-encoded, a port out of range) is refused, not echoed', () => {
  for (const url of [
    'postgresql://u:Wrong#Pw99@127.0.0.1:5432/db',
    'postgresql://u:a/b@127.0.0.1:5432/db',
    'postgresql://u:pw@127.0.0.1:99999/db',
  ]) {
    assert.throws(
      () => resolveConfig({}, { DATABASE_URL: url }),
      (error: unknown) =>
        error instanceof OptdbError &&
        /^Invalid DATABASE_URL: is not a valid URL \(percent-encode/.test(error.message) &&
        !error.message.includes('Pw99') &&
        !error.message.includes('a/b'),
      url,
    );
  }
  assert.equal(
    resolveConfig({}, { DATABASE_URL: 'postgresql://u:Wrong%23Pw99@127.0.0.1:5432/db' }).databaseUrl,
    'postgresql://u:Wrong%23Pw99@127.0.0.1:5432/db',
  );
});

test('a bad URL is rejected without echoing it (it may hold a password)', () => {
  assert.throws(
    () => resolveConfig({}, { DATABASE_URL: 'mysql://root:topsecret@h/db' }),
    (error: unknown) => error instanceof OptdbError && /DATABASE_URL/.test(error.message) && !error.message.includes('topsecret'),
  );
});

test('write concurrency and the pacing of limit changes: defaults, environment, and bad values', () => {
  const defaults = resolveConfig({}, {});
  assert.equal(defaults.writeConcurrency, 3);
  assert.equal(defaults.limitStepFraction, 0.3);
  assert.equal(defaults.limitStepIntervalMs, 5_000);
  const set = resolveConfig({}, { OPTDB_WRITE_CONCURRENCY: '8', OPTDB_LIMIT_STEP_FRACTION: '0.25', OPTDB_LIMIT_STEP_INTERVAL_MS: '1000' });
  assert.deepEqual([set.writeConcurrency, set.limitStepFraction, set.limitStepIntervalMs], [8, 0.25, 1_000]);
  assert.throws(() => resolveConfig({}, { OPTDB_LIMIT_STEP_FRACTION: '0' }), /OPTDB_LIMIT_STEP_FRACTION: must be > 0, got `0`/);
  assert.throws(() => resolveConfig({}, { OPTDB_LIMIT_STEP_FRACTION: '1.5' }), /OPTDB_LIMIT_STEP_FRACTION: must be <= 1/);
  assert.throws(() => resolveConfig({}, { OPTDB_WRITE_CONCURRENCY: '0' }), /OPTDB_WRITE_CONCURRENCY: must be >= 1/);
});
