/**
 * Damaged and hostile inputs: every failure is a clear OptdbError or an unreadable
 * record at the right location — never a crash, an unhandled 'error' event or a hang.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { JsonValue } from '../src/domain/json-value.js';
import { OptdbError, type OptdbErrorCode } from '../src/errors.js';
import { openSource } from '../src/sources/open-source.js';
import type { InputFormat, JsonRecord, OpenedSource, SourceRecord, UnreadableRecord } from '../src/sources/source-record.js';
import { useTempDirectory } from './harness/temp-dir.js';
import { DOCUMENTED_RESULT as RESULT } from './harness/polygon-fixtures.js';

const CSV_HEADER = 'ticker,volume,open,close,high,low,window_start,transactions';
const CSV_ROW = 'O:A230616C00050000,12,6.5,6.6,6.6,6.5,1686888000000000000,3';

const fixtures = useTempDirectory('optdb-sources-hostile-');
const write = (name: string, content: string | Buffer): Promise<string> => fixtures.write(name, content);

/** Reads every record; an error thrown by the iteration is returned with the records before it. */
async function drain(source: OpenedSource): Promise<{ records: SourceRecord[]; error: unknown }> {
  const records: SourceRecord[] = [];
  try {
    for await (const record of source.records) records.push(record);
  } catch (error) {
    return { records, error };
  }
  return { records, error: undefined };
}

async function read(name: string, format?: InputFormat): Promise<SourceRecord[]> {
  const { records, error } = await drain(await openSource(name, format === undefined ? {} : { format }));
  if (error !== undefined) throw error;
  return records;
}

function isOptdbError(code: OptdbErrorCode, message?: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof OptdbError, `expected an OptdbError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  };
}

function unreadable(record: SourceRecord | undefined): UnreadableRecord {
  assert.equal(record?.kind, 'unreadable', `expected an unreadable record, got ${JSON.stringify(record)}`);
  return record as UnreadableRecord;
}

function ticker(record: SourceRecord | undefined): JsonValue | undefined {
  assert.equal(record?.kind, 'json');
  const value = (record as JsonRecord).value as { details?: { ticker?: JsonValue } };
  return value.details?.ticker;
}

/** Deterministic "random" bytes, so a failure can be replayed. */
function garbage(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i += 1) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    bytes[i] = state >>> 16;
  }
  return bytes;
}

/** Open file descriptors of this process (Linux); 0 elsewhere, which makes the checks vacuous. */
async function openDescriptors(): Promise<number> {
  return (await fs.readdir('/proc/self/fd').catch(() => [])).length;
}

function resultWithTicker(i: number): string {
  return RESULT.replace('O:SPXW230712C04500000', `O:SPXW230712C0${4500 + i}0000`);
}

// ---------------------------------------------------------------- unreadable inputs

test('a missing file, a directory: INPUT_UNREADABLE at open, before any record', async () => {
  const missing = path.join(fixtures.path, 'no-such-file.ndjson');
  await assert.rejects(openSource(missing), isOptdbError('INPUT_UNREADABLE', /^Cannot read .*no-such-file\.ndjson: no such file/));
  await assert.rejects(openSource(fixtures.path), isOptdbError('INPUT_UNREADABLE', /^Cannot read .*: it is a directory/));
});

test('an unknown format name is refused', async () => {
  const file = await write('any.json', '[]');
  await assert.rejects(openSource(file, { format: 'parquet' as InputFormat }), isOptdbError('INPUT_FORMAT', /parquet/));
});

test('a truncated gzip: the readable records, then INPUT_UNREADABLE from the iteration', async () => {
  const ndjson = Array.from({ length: 3000 }, (_, i) => resultWithTicker(i)).join('\n');
  const rows = Array.from({ length: 20000 }, (_, i) => CSV_ROW.replace('12', String(i)));
  const csv = `${CSV_HEADER}\n${rows.join('\n')}\n`;
  const json = `{"status":"OK","results":[${Array.from({ length: 3000 }, (_, i) => resultWithTicker(i)).join(',')}]}`;
  for (const [name, text] of [
    ['cut.ndjson.gz', ndjson],
    ['cut.csv.gz', csv],
    ['cut.json.gz', json],
    ['cut-without-extension', ndjson],
  ] as const) {
    const zipped = gzipSync(text);
    const file = await write(name, zipped.subarray(0, Math.floor(zipped.length * 0.7)));
    const { records, error } = await drain(await openSource(file));
    assert.ok(records.length > 0, `${name}: records before the cut are yielded`);
    assert.ok(
      records.every((r) => r.kind !== 'unreadable'),
      `${name}: no record is invented from a partial tail`,
    );
    assert.ok(isOptdbError('INPUT_UNREADABLE', /truncated or corrupt gzip data/)(error), name);
    assert.ok((error as OptdbError).message.startsWith(file), name);
  }
});

test('corrupt gzip data in the middle: INPUT_UNREADABLE, never a crash', async () => {
  const text = Array.from({ length: 3000 }, (_, i) => resultWithTicker(i)).join('\n');
  const zipped = gzipSync(text);
  const broken = Buffer.from(zipped);
  garbage(64, 3).copy(broken, Math.floor(broken.length / 2));
  const { error } = await drain(await openSource(await write('corrupt.ndjson.gz', broken)));
  assert.ok(isOptdbError('INPUT_UNREADABLE', /truncated or corrupt gzip data/)(error));
});

test('a gzip header alone, read from stdin: INPUT_UNREADABLE, no unhandled error', async () => {
  const header = gzipSync('{"a":1}\n').subarray(0, 12);
  const attempt = async (): Promise<unknown> => {
    try {
      const source = await openSource('-', { stdin: Readable.from([header]) });
      return (await drain(source)).error;
    } catch (error) {
      return error;
    }
  };
  assert.ok(isOptdbError('INPUT_UNREADABLE', /truncated or corrupt gzip/)(await attempt()));
});

test('a stream that fails while being read: INPUT_UNREADABLE naming the input', async () => {
  const failing = new Readable({
    read() {
      this.push(`${RESULT}\n`);
      this.destroy(new Error('connection reset'));
    },
  });
  const source = await openSource('-', { stdin: failing });
  const { records, error } = await drain(source);
  assert.ok(records.length <= 1);
  assert.ok(isOptdbError('INPUT_UNREADABLE', /^Cannot read -: connection reset/)(error));
});

// ---------------------------------------------------------------- malformed content

test('chain-ndjson: a malformed line in the middle is reported at its line; the lines around it are read', async () => {
  const lines = [resultWithTicker(1), '', '{"day": {"close": 1.7,', resultWithTicker(2), 'not json at all'];
  const text = [...lines, resultWithTicker(3)].join('\n');
  const records = await read(await write('broken-line.ndjson', text));
  assert.deepEqual(
    records.map((r) => [r.kind, r.location]),
    [
      ['json', 1],
      ['unreadable', 3],
      ['json', 4],
      ['unreadable', 5],
      ['json', 6],
    ],
  );
  const bad = unreadable(records[1]);
  assert.equal(bad.format, 'chain-ndjson');
  assert.match(bad.reason, /^malformed JSON: /);
  assert.equal(bad.raw, '{"day": {"close": 1.7,');
  assert.equal(ticker(records[2]), 'O:SPXW230712C045020000');
});

test('chain-json: a truncated document yields the complete results, one unreadable record, then stops', async () => {
  const text = `{"status":"OK","results":[${resultWithTicker(1)},${resultWithTicker(2)},${resultWithTicker(3)}]}`;
  const cut = text.slice(0, text.length - Math.floor(RESULT.length / 2));
  const records = await read(await write('truncated.json', cut));
  assert.deepEqual(
    records.map((r) => [r.kind, r.location]),
    [
      ['json', 1],
      ['json', 2],
      ['unreadable', 3],
    ],
  );
  assert.equal(unreadable(records[2]).reason, 'malformed JSON: unexpected end of input');
  assert.equal(unreadable(records[2]).raw, cut.slice(-200), 'the reject shows where the document broke off');
});

test('chain-json: a syntax error mid-way is an unreadable record, not a throw', async () => {
  const text = `{"status":"OK","results":[${resultWithTicker(1)},{"day": {"close": 1.7,, }}, ${resultWithTicker(2)}]}`;
  const records = await read(await write('syntax.json', text));
  const last = unreadable(records[records.length - 1]);
  assert.match(last.reason, /^malformed JSON: Parser cannot parse input/);
  assert.ok(last.raw.endsWith('"close": 1.7,, }'), `raw: ${last.raw}`);
  // Every result that closed before the error is yielded, then the error at the next index.
  assert.deepEqual(
    records.map((r) => [r.kind, r.location]),
    [
      ['json', 1],
      ['unreadable', 2],
    ],
  );
  // Trailing text after a complete document is an error too.
  const trailing = await read(await write('trailing.json', `[${RESULT}] [${RESULT}]`));
  assert.equal(trailing[0]?.kind, 'json');
  assert.match(unreadable(trailing[1]).reason, /^malformed JSON/);
});

test('chain-json: a top-level value that is not an object or array is INPUT_FORMAT', async () => {
  for (const text of ['"just a string"', '42', ' null', '\uFEFFtrue']) {
    const file = await write('scalar.json', text);
    const { records, error } = await drain(await openSource(file));
    assert.deepEqual(records, []);
    assert.ok(isOptdbError('INPUT_FORMAT', /not an object or array of results/)(error), text);
  }
});

test('an error response page is reported, not silently empty', async () => {
  const page = '{"status":"ERROR","request_id":"r","error":"Unknown API Key"}';
  for (const name of ['error.json', 'error.ndjson']) {
    const records = await read(await write(name, `${page}\n`));
    assert.equal(records.length, 1, name);
    assert.match(unreadable(records[0]).reason, /status ERROR: Unknown API Key/);
    assert.equal(records[0]?.location, 1);
  }
});

test('day-aggs-csv: a row with a different column count is reported at its line; reading goes on', async () => {
  const text = `${CSV_HEADER}\n${CSV_ROW}\nO:A230616C00050000,12,6.5,6.6,6.6\n${CSV_ROW},extra\n${CSV_ROW}\n`;
  const records = await read(await write('columns.csv', text));
  assert.deepEqual(
    records.map((r) => [r.kind, r.location]),
    [
      ['csv', 2],
      ['unreadable', 3],
      ['unreadable', 4],
      ['csv', 5],
    ],
  );
  assert.equal(unreadable(records[1]).reason, 'expected 8 columns, got 5');
  assert.equal(unreadable(records[1]).raw, 'O:A230616C00050000,12,6.5,6.6,6.6');
  assert.equal(unreadable(records[2]).reason, 'expected 8 columns, got 9');
});

test('day-aggs-csv: stray quotes do not stop the file; an unclosed one is reported', async () => {
  // A quote after a quoted field is kept as text (validation rejects the ticker).
  const stray = `${CSV_HEADER}\n${CSV_ROW}\n"O:B230616C00050000"x,1,1,1,1,1,1,1\n${CSV_ROW}\n`;
  const records = await read(await write('stray-quote.csv', stray));
  assert.deepEqual(
    records.map((r) => [r.kind, r.location]),
    [
      ['csv', 2],
      ['csv', 3],
      ['csv', 4],
    ],
  );
  assert.equal(records[1]?.kind === 'csv' && records[1].fields['ticker'], '"O:B230616C00050000"x');
  // An opening quote that never closes makes its own line unreadable, and only that line.
  const unclosed = `${CSV_HEADER}\n${CSV_ROW}\n"O:B230616C00050000,1,1,1,1,1,1,1\n${CSV_ROW}\n${CSV_ROW}\n`;
  const cut = await read(await write('unclosed-quote.csv', unclosed));
  assert.deepEqual(
    cut.map((r) => [r.kind, r.location]),
    [
      ['csv', 2],
      ['unreadable', 3],
      ['csv', 4],
      ['csv', 5],
    ],
  );
  assert.equal(unreadable(cut[1]).reason, 'malformed CSV: a quote opened at column 1 is not closed on this line');
  assert.equal(unreadable(cut[1]).raw, '"O:B230616C00050000,1,1,1,1,1,1,1');
});

test('day-aggs-csv: a line far too long is rejected alone, without being held whole', async () => {
  const long = `O:A230616C00050000,${'9'.repeat(200_000)},1,1,1,1,1,1`;
  const records = await read(await write('long-line.csv', `${CSV_HEADER}\n${CSV_ROW}\n${long}\n${CSV_ROW}\n`));
  assert.deepEqual(
    records.map((r) => [r.kind, r.location]),
    [
      ['csv', 2],
      ['unreadable', 3],
      ['csv', 4],
    ],
  );
  assert.equal(unreadable(records[1]).reason, `malformed CSV: a line of ${long.length} characters, longer than 65536`);
  assert.equal(unreadable(records[1]).raw, long.slice(0, 200));
});

test('day-aggs-csv: a header without "ticker" is INPUT_FORMAT', async () => {
  const file = await write('no-ticker.csv', 'symbol,volume,open\nA,1,2\n');
  const { records, error } = await drain(await openSource(file));
  assert.deepEqual(records, []);
  assert.ok(
    isOptdbError(
      'INPUT_FORMAT',
      /no "ticker", "high", "low", "close", "window_start" columns in the header \(found: symbol, volume, open\)/,
    )(error),
  );
});

test('day-aggs-csv: a header without a required column (close) is INPUT_FORMAT, not a file of rejects', async () => {
  const file = await write(
    'no-close.csv',
    'ticker,volume,open,high,low,window_start,transactions\nO:A251121C00010000,1,1,1,1,1763614800000000000,1\n',
  );
  const { records, error } = await drain(await openSource(file));
  assert.deepEqual(records, []);
  assert.ok(
    isOptdbError(
      'INPUT_FORMAT',
      /no-close\.csv: no "close" column in the header \(found: ticker, volume, open, high, low, window_start, transactions\)/,
    )(error),
  );
});

test('an input whose format cannot be told: INPUT_FORMAT at open, naming the remedy', async () => {
  const file = await write('notes.txt', 'hello, this is not market data\n');
  await assert.rejects(
    openSource(file),
    isOptdbError('INPUT_FORMAT', /^Cannot tell the format of .*notes\.txt: .*; pass --format chain-json\|chain-ndjson\|day-aggs-csv$/),
  );
  await assert.rejects(openSource('-', { stdin: Readable.from(['hello\n']) }), isOptdbError('INPUT_FORMAT'));
});

test('binary garbage: a clear OptdbError or unreadable records, with every format, never a crash', async () => {
  for (let seed = 1; seed <= 8; seed += 1) {
    const bytes = garbage(200_000, seed);
    for (const format of [undefined, 'chain-json', 'chain-ndjson', 'day-aggs-csv'] as const) {
      const file = await write(`garbage-${seed}.bin`, bytes);
      let outcome: { records: SourceRecord[]; error: unknown };
      try {
        outcome = await drain(await openSource(file, format === undefined ? {} : { format }));
      } catch (error) {
        outcome = { records: [], error };
      }
      const label = `seed ${seed}, format ${format ?? 'sniffed'}`;
      if (outcome.error !== undefined) {
        assert.ok(outcome.error instanceof OptdbError, `${label}: ${String(outcome.error)}`);
        assert.ok(['INPUT_FORMAT', 'INPUT_UNREADABLE'].includes(outcome.error.code), label);
      }
      assert.ok(
        outcome.records.every((r) => r.kind === 'unreadable'),
        `${label}: garbage never passes as a record`,
      );
    }
  }
});

// ---------------------------------------------------------------- size and shape

test('a 10 MB single NDJSON line is read whole, from a file and sniffed from stdin', async () => {
  const huge = 'x'.repeat(10 * 1024 * 1024);
  const line = RESULT.replace('"open_interest"', `"comment":"${huge}","open_interest"`);
  const text = `${resultWithTicker(1)}\n${line}\n${resultWithTicker(2)}\n`;
  const file = await write('huge.ndjson', text);
  const stdin = Readable.from([Buffer.from(`${line}\n${RESULT}\n`)]);
  for (const source of [await openSource(file), await openSource('-', { stdin })]) {
    const { records, error } = await drain(source);
    assert.equal(error, undefined);
    assert.equal(source.format, 'chain-ndjson');
    const big = records.find((r) => r.kind === 'json' && ((r.value as { comment?: string }).comment?.length ?? 0) > 0);
    assert.ok(big !== undefined, 'the huge record is there');
    assert.equal((big as JsonRecord & { value: { comment: string } }).value.comment.length, huge.length);
    assert.ok(records.every((r) => r.kind === 'json'));
  }
});

test('a 10 MB string inside a chain-json page is read whole', async () => {
  const huge = 'y'.repeat(10 * 1024 * 1024);
  const big = RESULT.replace('"open_interest"', `"comment":"${huge}","open_interest"`);
  const text = `{"status":"OK","results":[${big},${RESULT}]}`;
  const records = await read(await write('huge.json', text));
  assert.equal(records.length, 2);
  assert.equal(((records[0] as JsonRecord).value as { comment: string }).comment.length, huge.length);
});

test('keys named __proto__ stay plain data in every format', async () => {
  const ndjson = await read(await write('proto.ndjson', '{"__proto__":{"polluted":1},"a":1}\n'));
  const json = await read(await write('proto.json', '[{"__proto__":{"polluted":1},"a":1}]'));
  for (const record of [...ndjson, ...json]) {
    const value = (record as JsonRecord).value as object;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.ok(Object.hasOwn(value, '__proto__'));
    assert.equal((value as { polluted?: unknown }).polluted, undefined);
  }
  const [row] = await read(
    await write('proto.csv', 'ticker,open,high,low,close,volume,window_start,__proto__\nO:A230616C00050000,1,1,1,1,1,1,x\n'),
  );
  assert.equal(row?.kind, 'csv');
  if (row?.kind === 'csv') {
    assert.equal(Object.getPrototypeOf(row.fields), Object.prototype);
    assert.equal(row.fields['__proto__'], 'x');
  }
});

test('stopping early releases the input without an error', async () => {
  const text = Array.from({ length: 5000 }, (_, i) => resultWithTicker(i)).join('\n');
  const before = await openDescriptors();
  for (const [name, content] of [
    ['early.ndjson.gz', gzipSync(text)],
    ['early.ndjson', Buffer.from(text)],
    ['early.csv', Buffer.from(`${CSV_HEADER}\n${`${CSV_ROW}\n`.repeat(20000)}`)],
    ['early.json', Buffer.from(`[${text.replaceAll('\n', ',')}]`)],
  ] as const) {
    const source = await openSource(await write(name, content));
    let seen = 0;
    for await (const record of source.records) {
      assert.notEqual(record.kind, 'unreadable');
      seen += 1;
      if (seen === 3) break;
    }
    assert.equal(seen, 3, name);
    // (The gzip is small enough to be read in one go.)
    if (!name.endsWith('.gz')) assert.ok(source.bytesRead() < content.length, `${name}: not read to the end`);
  }
  await new Promise((resolve) => setTimeout(resolve, 50)); // closing a file handle takes a turn
  assert.ok((await openDescriptors()) - before < 2, 'the files are closed');
});

test('a file refused at open is closed again', async () => {
  const file = await write('refused.txt', 'hello, not market data\n');
  const before = await openDescriptors();
  for (let i = 0; i < 20; i += 1) await assert.rejects(openSource(file), isOptdbError('INPUT_FORMAT'));
  const after = await openDescriptors();
  assert.ok(after - before < 5, `file descriptors leaked: ${before} before, ${after} after`);
});
