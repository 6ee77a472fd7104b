/**
 * The three input formats, plain and gzipped, from files and stdin: what each yields,
 * where, and that numbers keep their exact text. No database needed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isLosslessNumber, LosslessNumber } from 'lossless-json';
import { openSource } from '../src/sources/open-source.js';
import type { JsonValue } from '../src/domain/json-value.js';
import type { CsvRecord, JsonRecord, OpenedSource, SourceRecord } from '../src/sources/source-record.js';
import { useTempDirectory } from './harness/temp-dir.js';
import { DOCUMENTED_RESULT as RESULT } from './harness/polygon-fixtures.js';

/** The same contract as a second, distinguishable result. */
const RESULT_2 = RESULT.replace('O:SPXW230712C04500000', 'O:SPXW230712P04400000');

const PAGE = `{"status":"OK","request_id":"6a7e466379af0a71039d60cc78e72282","results":[${RESULT},${RESULT_2}],"next_url":"https://api.polygon.io/v3/snapshot/options/I:SPX?cursor=YWN0aXZl"}`;

const CSV_HEADER = 'ticker,volume,open,close,high,low,window_start,transactions';
const CSV_ROW_1 = 'O:A230616C00050000,12,6.5,6.6,6.6,6.5,1686888000000000000,3';
const CSV_ROW_2 = 'O:SPY230616P00430000,51234,1.02,0.87,1.15,0.8,1686888000000000000,8123';

const fixtures = useTempDirectory('optdb-sources-formats-');
const write = (name: string, content: string | Buffer): Promise<string> => fixtures.write(name, content);

async function collect(source: OpenedSource): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const record of source.records) records.push(record);
  return records;
}

async function read(name: string, options?: Parameters<typeof openSource>[1]): Promise<SourceRecord[]> {
  return collect(await openSource(name, options));
}

function fromStdin(chunks: (string | Buffer)[]): { stdin: NodeJS.ReadableStream } {
  return { stdin: Readable.from(chunks) };
}

function json(record: SourceRecord | undefined): JsonRecord {
  assert.equal(record?.kind, 'json', `expected a json record, got ${JSON.stringify(record)}`);
  return record as JsonRecord;
}

function csv(record: SourceRecord | undefined): CsvRecord {
  assert.equal(record?.kind, 'csv', `expected a csv record, got ${JSON.stringify(record)}`);
  return record as CsvRecord;
}

/** The member at `keys` in a JSON value. */
function at(value: JsonValue | undefined, ...keys: string[]): JsonValue | undefined {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || isLosslessNumber(current)) {
      return undefined;
    }
    current = (current as { [key: string]: JsonValue })[key];
  }
  return current;
}

/** The exact text of a number member; fails unless it is a LosslessNumber. */
function numberText(value: JsonValue | undefined, ...keys: string[]): string {
  const found = at(value, ...keys);
  assert.ok(found instanceof LosslessNumber, `${keys.join('.')} should be a LosslessNumber, got ${typeof found}`);
  return found.value;
}

function tickers(records: SourceRecord[]): (JsonValue | undefined)[] {
  return records.map((record) => at(json(record).value, 'details', 'ticker'));
}

// ---------------------------------------------------------------- chain-json

test('chain-json: a snapshot page yields each result with its 1-based index', async () => {
  const file = await write('page.json', PAGE);
  const source = await openSource(file);
  assert.equal(source.format, 'chain-json');
  const records = await collect(source);
  assert.equal(records.length, 2);
  assert.deepEqual(
    records.map((r) => [r.kind, r.format, r.source, r.location]),
    [
      ['json', 'chain-json', file, 1],
      ['json', 'chain-json', file, 2],
    ],
  );
  assert.deepEqual(tickers(records), ['O:SPXW230712C04500000', 'O:SPXW230712P04400000']);
  // Re-serialized text is the element as written: same key order, same digits.
  assert.equal(records[0]?.raw, RESULT);
  assert.equal(records[1]?.raw, RESULT_2);
});

test('chain-json: nanosecond timestamps keep all 19 digits and prices keep their digits', async () => {
  const [record] = await read(await write('exact.json', PAGE));
  const value = json(record).value;
  assert.equal(numberText(value, 'last_quote', 'last_updated'), '1689174023516476700');
  assert.equal(numberText(value, 'last_trade', 'sip_timestamp'), '1689174023261703200');
  assert.equal(numberText(value, 'day', 'vwap'), '2.5245');
  assert.equal(numberText(value, 'greeks', 'theta'), '-5.994');
  assert.equal(numberText(value, 'details', 'strike_price'), '4500');
  // A string stays a string: numbers and digit strings remain distinguishable.
  assert.equal(at(value, 'details', 'expiration_date'), '2023-07-12');
  const conditions = at(value, 'last_trade', 'conditions');
  assert.ok(Array.isArray(conditions) && conditions[0] instanceof LosslessNumber && conditions[0].value === '209');
});

test('chain-json: gzipped, with and without the .gz extension', async () => {
  const zipped = gzipSync(PAGE);
  for (const name of ['page.json.gz', 'gzipped-without-extension.json']) {
    const file = await write(name, zipped);
    const source = await openSource(file);
    assert.equal(source.format, 'chain-json');
    const records = await collect(source);
    assert.deepEqual(tickers(records), ['O:SPXW230712C04500000', 'O:SPXW230712P04400000'], name);
    assert.equal(numberText(json(records[0]).value, 'last_quote', 'last_updated'), '1689174023516476700');
  }
});

test('chain-json: a single-contract snapshot (results is one object) yields one record', async () => {
  const file = await write('single.json', `{"request_id":"r1","results":${RESULT},"status":"OK"}`);
  const records = await read(file);
  assert.equal(records.length, 1);
  assert.equal(json(records[0]).location, 1);
  assert.equal(numberText(json(records[0]).value, 'day', 'last_updated'), '1689120000000000000');
});

test('chain-json: a bare array of results, pretty-printed', async () => {
  const text = `[\n  ${RESULT},\n  ${RESULT_2}\n]\n`;
  const records = await read(await write('bare.json', text));
  assert.deepEqual(tickers(records), ['O:SPXW230712C04500000', 'O:SPXW230712P04400000']);
  assert.deepEqual(
    records.map((r) => r.location),
    [1, 2],
  );
});

test('chain-json: results first, then the page fields; an empty page yields nothing', async () => {
  const first = await read(await write('results-first.json', `{"results":[${RESULT}],"status":"OK","request_id":"r"}`));
  assert.equal(first.length, 1);
  assert.deepEqual(await read(await write('empty-page.json', '{"status":"OK","request_id":"r","results":[]}')), []);
  assert.deepEqual(await read(await write('no-results.json', '{"status":"OK","request_id":"r"}')), []);
});

// ---------------------------------------------------------------- chain-ndjson

test('chain-ndjson: one record per line, location is the line number counting blank lines', async () => {
  const text = `${RESULT}\n\n${RESULT_2}\n   \n${RESULT}`; // no newline at the end
  const source = await openSource(await write('chain.ndjson', text));
  assert.equal(source.format, 'chain-ndjson');
  const records = await collect(source);
  assert.deepEqual(
    records.map((r) => [r.kind, r.format, r.location]),
    [
      ['json', 'chain-ndjson', 1],
      ['json', 'chain-ndjson', 3],
      ['json', 'chain-ndjson', 5],
    ],
  );
  assert.equal(records[1]?.raw, RESULT_2);
  assert.equal(numberText(json(records[0]).value, 'last_quote', 'last_updated'), '1689174023516476700');
  assert.equal(numberText(json(records[0]).value, 'day', 'vwap'), '2.5245');
});

test('chain-ndjson: .jsonl and gzip', async () => {
  const text = `${RESULT}\n${RESULT_2}\n`;
  for (const name of ['chain.jsonl', 'chain.ndjson.gz']) {
    const content = name.endsWith('.gz') ? gzipSync(text) : text;
    const source = await openSource(await write(name, content));
    assert.equal(source.format, 'chain-ndjson', name);
    assert.deepEqual(tickers(await collect(source)), ['O:SPXW230712C04500000', 'O:SPXW230712P04400000'], name);
  }
});

test('chain-ndjson: CRLF line ends and a UTF-8 BOM are tolerated', async () => {
  const text = `\uFEFF${RESULT}\r\n\r\n${RESULT_2}\r\n`;
  const records = await read(await write('crlf.ndjson', text));
  assert.deepEqual(
    records.map((r) => r.location),
    [1, 3],
  );
  assert.deepEqual(tickers(records), ['O:SPXW230712C04500000', 'O:SPXW230712P04400000']);
  assert.equal(records[0]?.raw, RESULT);
});

test('chain-ndjson: a line holding a whole response page yields each result at that line', async () => {
  const text = `${RESULT}\n${PAGE}\n${RESULT}\n`;
  const records = await read(await write('pages.ndjson', text));
  assert.deepEqual(
    records.map((r) => r.location),
    [1, 2, 2, 3],
  );
  assert.deepEqual(tickers(records).slice(1, 3), ['O:SPXW230712C04500000', 'O:SPXW230712P04400000']);
  assert.equal(records[2]?.raw, RESULT_2);
});

// ---------------------------------------------------------------- day-aggs-csv

test('day-aggs-csv: fields by header name, location is the line number (header is line 1)', async () => {
  const source = await openSource(await write('2023-06-16.csv', `${CSV_HEADER}\n${CSV_ROW_1}\n\n${CSV_ROW_2}\n`));
  assert.equal(source.format, 'day-aggs-csv');
  const records = await collect(source);
  assert.equal(records.length, 2);
  const first = csv(records[0]);
  assert.equal(first.location, 2);
  assert.equal(first.raw, CSV_ROW_1);
  assert.deepEqual(first.fields, {
    ticker: 'O:A230616C00050000',
    volume: '12',
    open: '6.5',
    close: '6.6',
    high: '6.6',
    low: '6.5',
    window_start: '1686888000000000000',
    transactions: '3',
  });
  assert.equal(csv(records[1]).location, 4);
  assert.equal(csv(records[1]).fields['window_start'], '1686888000000000000');
});

test('day-aggs-csv: gzipped flat file (.csv.gz), as Polygon ships it', async () => {
  const zipped = gzipSync(`${CSV_HEADER}\n${CSV_ROW_1}\n${CSV_ROW_2}\n`);
  const source = await openSource(await write('2023-06-16.csv.gz', zipped));
  assert.equal(source.format, 'day-aggs-csv');
  const records = await collect(source);
  assert.deepEqual(
    records.map((r) => csv(r).fields['ticker']),
    ['O:A230616C00050000', 'O:SPY230616P00430000'],
  );
  assert.equal(source.bytesRead(), source.totalBytes);
});

test('day-aggs-csv: CRLF, BOM, shuffled header order, odd header case and unknown columns', async () => {
  const text =
    '\uFEFF Window_Start ,TICKER,close,open,high,low,volume,transactions,exchange_note\r\n' +
    '1686888000000000000,O:A230616C00050000,6.6,6.5,6.6,6.5,12,3,late\r\n' +
    '\r\n' +
    '1686888000000000000,O:SPY230616P00430000,0.87,1.02,1.15,0.8,51234,8123,\r\n';
  const records = await read(await write('shuffled.csv', text));
  assert.equal(records.length, 2);
  const first = csv(records[0]);
  assert.equal(first.location, 2);
  assert.equal(first.raw, '1686888000000000000,O:A230616C00050000,6.6,6.5,6.6,6.5,12,3,late');
  assert.deepEqual(first.fields, {
    window_start: '1686888000000000000',
    ticker: 'O:A230616C00050000',
    close: '6.6',
    open: '6.5',
    high: '6.6',
    low: '6.5',
    volume: '12',
    transactions: '3',
    exchange_note: 'late',
  });
  assert.equal(csv(records[1]).location, 4);
  assert.equal(csv(records[1]).fields['transactions'], '8123');
  assert.equal(csv(records[1]).fields['exchange_note'], '');
});

test('day-aggs-csv: line numbers stay exact in a file that mixes LF and CRLF, with blank lines; a quoted line break is two bad lines', async () => {
  const text =
    `${CSV_HEADER}\n` +
    '\n' +
    'O:A230616C00050000,12,6.5,6.6,6.6,6.5,1686888000000000000,3\r\n' +
    '"O:B230616\nC00050000",12,6.5,6.6,6.6,6.5,1686888000000000000,3\n' +
    '\r\n' +
    'O:C230616C00050000,12,6.5,6.6,6.6,6.5,1686888000000000000,3\n';
  const records = await read(await write('mixed-endings.csv', text));
  // One record per line, as Polygon writes them: a field cannot span lines.
  assert.deepEqual(
    records.map((r) => [r.location, r.kind, r.kind === 'csv' ? r.fields['ticker'] : r.kind === 'unreadable' ? r.reason : '']),
    [
      [3, 'csv', 'O:A230616C00050000'],
      [4, 'unreadable', 'malformed CSV: a quote opened at column 1 is not closed on this line'],
      [5, 'csv', 'C00050000"'],
      [7, 'csv', 'O:C230616C00050000'],
    ],
  );
});

test('day-aggs-csv: quoted fields are unquoted', async () => {
  const text = `${CSV_HEADER}\n"O:A230616C00050000","12",6.5,6.6,6.6,6.5,1686888000000000000,3\n`;
  const [record] = await read(await write('quoted.csv', text));
  assert.equal(csv(record).fields['ticker'], 'O:A230616C00050000');
  assert.equal(csv(record).fields['volume'], '12');
});

test('day-aggs-csv: a header-only file yields no records', async () => {
  assert.deepEqual(await read(await write('header-only.csv', `${CSV_HEADER}\n`)), []);
  assert.deepEqual(await read(await write('header-only-no-newline.csv', CSV_HEADER)), []);
});

// ---------------------------------------------------------------- stdin and detection

test('stdin: NDJSON sniffed, chunks split anywhere (even inside a UTF-8 character)', async () => {
  const text = Buffer.from(`${RESULT.replace('REAL-TIME', 'RÉAL-TIME')}\n${RESULT_2}\n`);
  const chunks = [text.subarray(0, 7), text.subarray(7, 600), text.subarray(600, 601), text.subarray(601)];
  const cut = text.indexOf('É') + 1; // inside the two-byte É
  const split = [text.subarray(0, cut), text.subarray(cut)];
  for (const parts of [chunks, split]) {
    const source = await openSource('-', fromStdin(parts));
    assert.equal(source.format, 'chain-ndjson');
    assert.equal(source.totalBytes, undefined);
    const records = await collect(source);
    assert.deepEqual(tickers(records), ['O:SPXW230712C04500000', 'O:SPXW230712P04400000']);
    assert.equal(at(json(records[0]).value, 'last_quote', 'timeframe'), 'RÉAL-TIME');
    assert.equal(records[0]?.source, '-');
    assert.equal(source.bytesRead(), text.length);
  }
});

test('stdin: a page on one line, a pretty-printed page and a bare array are chain-json', async () => {
  const pretty = JSON.stringify(JSON.parse(`{"status":"OK","results":[{"a":1}]}`), null, 2);
  const cases: [string, number][] = [
    [PAGE, 2],
    [`{"results":[${RESULT}],"status":"OK"}\n`, 1],
    [`{"status":"OK","request_id":"r","results":${RESULT}}\n`, 1],
    [`\n  ${pretty}`, 1],
    [`[${RESULT},\n${RESULT_2}]`, 2],
  ];
  for (const [text, count] of cases) {
    const source = await openSource('-', fromStdin([text]));
    assert.equal(source.format, 'chain-json', text.slice(0, 40));
    assert.equal((await collect(source)).length, count, text.slice(0, 40));
  }
});

test('stdin: a CSV header sniffed as day-aggs-csv, gzip detected by its magic bytes', async () => {
  const text = `${CSV_HEADER}\r\n${CSV_ROW_1}\r\n${CSV_ROW_2}\r\n`;
  for (const content of [Buffer.from(text), gzipSync(text)]) {
    const source = await openSource('-', fromStdin([content]));
    assert.equal(source.format, 'day-aggs-csv');
    const records = await collect(source);
    assert.deepEqual(
      records.map((r) => [r.location, csv(r).fields['ticker']]),
      [
        [2, 'O:A230616C00050000'],
        [3, 'O:SPY230616P00430000'],
      ],
    );
    assert.equal(source.bytesRead(), content.length);
  }
});

test('gzip without a telling name: sniffed after decompression', async () => {
  const file = await write('download', gzipSync(`${RESULT}\n${RESULT_2}\n`));
  const source = await openSource(file);
  assert.equal(source.format, 'chain-ndjson');
  assert.equal((await collect(source)).length, 2);
});

test('format override wins over the extension and over sniffing', async () => {
  const file = await write('mislabelled.json', `${RESULT}\n${RESULT_2}\n`);
  const source = await openSource(file, { format: 'chain-ndjson' });
  assert.equal(source.format, 'chain-ndjson');
  assert.equal((await collect(source)).length, 2);

  const csvFile = await write('export.txt', `${CSV_HEADER}\n${CSV_ROW_1}\n`);
  const csvSource = await openSource(csvFile, { format: 'day-aggs-csv' });
  assert.equal(csvSource.format, 'day-aggs-csv');
  assert.equal(csv((await collect(csvSource))[0]).fields['ticker'], 'O:A230616C00050000');

  const page = `{"status":"OK","results":[${RESULT}]}\n`;
  const stdinSource = await openSource('-', { format: 'chain-json', ...fromStdin([page]) });
  assert.equal(stdinSource.format, 'chain-json');
  assert.equal((await collect(stdinSource)).length, 1);
});

test('an empty input yields no records with any format', async () => {
  const empty = await write('empty', '');
  const blank = await write('blank', ' \n\r\n\t\n');
  for (const file of [empty, blank]) {
    for (const format of [undefined, 'chain-json', 'chain-ndjson', 'day-aggs-csv'] as const) {
      assert.deepEqual(await read(file, format === undefined ? {} : { format }), [], `${file} ${format}`);
    }
    assert.deepEqual(await read('-', fromStdin([await fs.readFile(file)])), []);
  }
  for (const name of ['empty.json', 'empty.ndjson', 'empty.csv', 'empty.csv.gz']) {
    const file = await write(name, name.endsWith('.gz') ? gzipSync('') : '');
    assert.deepEqual(await read(file), [], name);
  }
  assert.deepEqual(await read('-', fromStdin([])), []);
});

test('bytesRead reaches totalBytes (the stored, compressed size) at the end', async () => {
  // Random-looking notes keep the gzip large enough to be read in several chunks.
  let seed = 7;
  const noise = (): string => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed.toString(16);
  };
  const lines = Array.from({ length: 6000 }, () =>
    RESULT.replace('"open_interest"', `"note":"${noise()}${noise()}${noise()}${noise()}${noise()}","open_interest"`),
  ).join('\n');
  for (const [name, content] of [
    ['many.ndjson', Buffer.from(lines)],
    ['many.ndjson.gz', gzipSync(lines)],
  ] as const) {
    const file = await write(name, content);
    const source = await openSource(file);
    assert.equal(source.totalBytes, content.length);
    let count = 0;
    let midway = 0;
    for await (const record of source.records) {
      count += 1;
      if (count === 1) midway = source.bytesRead();
      assert.equal(record.kind, 'json');
    }
    assert.equal(count, 6000);
    assert.ok(midway > 0 && midway < content.length, `progress is gradual (${midway} of ${content.length})`);
    assert.equal(source.bytesRead(), source.totalBytes, name);
  }
});
