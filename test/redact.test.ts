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
