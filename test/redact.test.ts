import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactText, redactUrl } from '../src/redact.js';

test('masks the password of a PostgreSQL URL and keeps the rest', () => {
  assert.equal(
    redactUrl('postgresql://alice:s3cret@db.example.com:5432/market?sslmode=require'),
    'postgresql://alice:****@db.example.com:5432/market?sslmode=require',
  );
});

test('masks passwords that contain @, : and percent-encoding', () => {
  assert.equal(redactUrl('postgres://bob:p@ss:w%40rd@host/db'), 'postgres://bob:****@host/db');
});

test('masks passwords that were not percent-encoded: #, /, ?, spaces', () => {
  for (const password of ['Wrong#Pw99', 'a/b', 'wh?t', 'pa ss', 'x@y#z/1 2']) {
    const redacted = redactText(`optdb: database: postgresql://u:${password}@127.0.0.1:5432/db (embedded: no)`);
    assert.equal(redacted, 'optdb: database: postgresql://u:****@127.0.0.1:5432/db (embedded: no)', password);
  }
  // Two URLs on one line: each keeps its own host.
  assert.equal(redactText('postgresql://a:p#1@h1/db and postgres://b:q/2@h2/db'), 'postgresql://a:****@h1/db and postgres://b:****@h2/db');
});

test('leaves URLs without a password unchanged', () => {
  for (const url of ['postgresql://postgres@127.0.0.1:5432/postgres', 'postgresql://localhost:5432/db', 'postgresql:///db']) {
    assert.equal(redactUrl(url), url);
  }
});

test('masks a Neon pooler URL', () => {
  const url = 'postgresql://user:npg_AbC123@ep-cool-1234-pooler.c-2.us-east-1.aws.neon.tech/neondb?connection_limit=1200';
  const redacted = redactUrl(url);
  assert.ok(!redacted.includes('npg_AbC123'));
  assert.match(redacted, /-pooler\.c-2/);
});

test('masks credentials inside free text, password parameters and API keys', () => {
  const text = 'connect failed for postgresql://u:hunter2@h/db (password=hunter2 apiKey=KEY123)';
  const redacted = redactText(text);
  assert.ok(!redacted.includes('hunter2'), redacted);
  assert.ok(!redacted.includes('KEY123'), redacted);
  assert.equal(redacted, 'connect failed for postgresql://u:****@h/db (password=**** apiKey=****)');
});
