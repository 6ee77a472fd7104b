import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Command, CommanderError } from 'commander';
import { registerSample } from '../src/cli/sample.js';
import { parseTicker } from '../src/domain/ticker.js';
import { OptdbError } from '../src/errors.js';
import { RISK_FREE_RATE, normalCdf } from '../src/sample/black-scholes.js';
import { DAY_AGGS_HEADER } from '../src/sample/day-aggs-csv-writer.js';
import { writeSample } from '../src/sample/generate-sample.js';
import type { ChainContract } from '../src/sample/chain.js';
import { planSample, sampleContracts, type SampleContract } from '../src/sample/sample-contracts.js';
import { type SampleFormat, resolveSampleOptions } from '../src/sample/sample-options.js';
import { impliedVol } from '../src/sample/smile.js';
import { newYorkMidnightNs } from '../src/domain/new-york-time.js';

const DATE = '2025-11-20';

/** A stream that keeps what it is given; `slow` answers each write on a later turn. */
function collector(slow = false): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: slow ? 1024 : 16 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      if (slow) setImmediate(callback);
      else callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function sample(
  format: SampleFormat,
  overrides: Partial<{ underlyings: number; contracts: number; date: string; seed: number }> = {},
): Promise<{ text: string; rows: number; bytes: number }> {
  const out = collector();
  const { rows, bytes } = await writeSample({
    out: out.stream,
    format,
    underlyings: 8,
    contracts: 2000,
    date: DATE,
    seed: 1,
    ...overrides,
  });
  return { text: out.text(), rows, bytes };
}

function contracts(overrides: Partial<{ underlyings: number; contracts: number; seed: number }> = {}): SampleContract[] {
  return [...sampleContracts(planSample({ underlyings: 8, contracts: 4000, date: DATE, seed: 1, ...overrides }))];
}

function chain(overrides: Partial<{ underlyings: number; contracts: number; seed: number }> = {}): ChainContract[] {
  return contracts(overrides).map((c) => c.contract);
}

/** Hours and minutes in New York, by Intl (independent of the generator's own DST rules). */
function newYork(ns: bigint): { date: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(Number(ns / 1_000_000n)));
  const get = (type: string): string => parts.find((part) => part.type === type)?.value ?? '';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

test('the same options give byte-identical output; another seed does not', async () => {
  for (const format of ['chain-ndjson', 'chain-json', 'day-aggs-csv'] as const) {
    const first = await sample(format);
    const second = await sample(format);
    assert.ok(first.text.length > 1000, format);
    assert.equal(first.text, second.text, format);
    assert.notEqual((await sample(format, { seed: 2 })).text, first.text, format);
  }
});

test('a slow destination gets the same bytes (backpressure is awaited, nothing dropped)', async () => {
  const slow = collector(true);
  const result = await writeSample({ out: slow.stream, format: 'chain-ndjson', underlyings: 8, contracts: 2000, date: DATE, seed: 1 });
  const fast = await sample('chain-ndjson');
  assert.equal(slow.text(), fast.text);
  assert.equal(result.bytes, Buffer.byteLength(fast.text));
});

test('every ticker parses and agrees with its details', async () => {
  const { text } = await sample('chain-ndjson', { underlyings: 24, contracts: 6000 });
  const roots = new Set<string>();
  for (const line of text.trimEnd().split('\n')) {
    const { details } = JSON.parse(line) as {
      details: { ticker: string; contract_type: string; expiration_date: string; strike_price: number };
    };
    const parsed = parseTicker(details.ticker);
    assert.ok(parsed.ok, `${details.ticker}: ${parsed.ok ? '' : parsed.reason}`);
    assert.equal(parsed.value.contractType, details.contract_type);
    assert.equal(parsed.value.expirationDate, details.expiration_date);
    assert.equal(parsed.value.strikeThousandths, Math.round(details.strike_price * 1000));
    roots.add(parsed.value.root);
  }
  // An index lists PM-settled weeklies and AM-settled monthlies under two roots.
  assert.ok(roots.has('SPXW') && roots.has('SPX'), [...roots].join(' '));
});

test('tickers are unique, generated underlyings included (a ticker is the natural key)', () => {
  const all = chain({ underlyings: 400, contracts: 30_000 });
  const tickers = all.map((c) => c.ticker);
  assert.equal(new Set(tickers).size, tickers.length);
  const generated = new Set(all.map((c) => c.underlying.ticker));
  assert.equal(generated.size, 400);
  for (const ticker of generated) assert.match(ticker, /^(I:)?[A-Z]{1,5}$/);
});

test('put–call parity holds on the theoretical values: C − P = S − K·e^(−rT)', () => {
  const all = chain({ underlyings: 24, contracts: 8000 });
  let pairs = 0;
  for (let i = 0; i + 1 < all.length; i += 2) {
    const call = all[i]!;
    const put = all[i + 1]!;
    assert.equal(call.contractType, 'call');
    assert.equal(put.contractType, 'put');
    assert.equal(put.ticker, call.ticker.replace(/C(\d{8})$/, 'P$1'));
    const expected = call.underlying.spot - call.strike * Math.exp(-RISK_FREE_RATE * call.years);
    const gap = call.value.price - put.value.price - expected;
    assert.ok(Math.abs(gap) < 1e-9, `${call.ticker}: parity off by ${gap}`);
    pairs++;
  }
  assert.equal(pairs, 4000);
});

test('greeks have the right signs wherever they are shown; some deep ITM ones are left out', async () => {
  const { text } = await sample('chain-ndjson', { contracts: 4000 });
  let shown = 0;
  let hidden = 0;
  for (const line of text.trimEnd().split('\n')) {
    const result = JSON.parse(line) as {
      details: { contract_type: string; ticker: string };
      greeks?: { delta: number; gamma: number; theta: number; vega: number };
      implied_volatility?: number;
    };
    const greeks = result.greeks;
    assert.equal(greeks === undefined, result.implied_volatility === undefined, 'greeks and implied volatility go together');
    if (!greeks) {
      hidden++;
      continue;
    }
    shown++;
    const where = result.details.ticker;
    if (result.details.contract_type === 'call') assert.ok(greeks.delta > 0 && greeks.delta < 1, `${where} delta ${greeks.delta}`);
    else assert.ok(greeks.delta > -1 && greeks.delta < 0, `${where} delta ${greeks.delta}`);
    assert.ok(greeks.gamma > 0, `${where} gamma ${greeks.gamma}`);
    assert.ok(greeks.vega > 0, `${where} vega ${greeks.vega}`);
    assert.ok(result.implied_volatility! > 0);
  }
  assert.ok(hidden > 0, 'some greeks are left out');
  // Beyond the model's degenerate cases, some deep in-the-money ones, as the real API does.
  const deepItmHidden = contracts({ contracts: 4000 }).filter(
    ({ contract, day }) => !day.greeksShown && Math.abs(contract.value.delta) > 0.95 && Math.abs(contract.value.delta) < 1 - 1e-6,
  );
  assert.ok(deepItmHidden.length > 0);
  assert.ok(shown > 0.7 * (shown + hidden), `${shown} shown, ${hidden} hidden`);
});

test('the smile: far out-of-the-money puts are dearer than at the money', () => {
  const all = chain({ underlyings: 8, contracts: 6000 });
  const underlyings = new Set(all.map((c) => c.underlying));
  for (const u of underlyings) {
    if (u.skew <= 0) continue;
    for (const years of [1 / 365, 7 / 365, 0.25, 1]) {
      assert.ok(impliedVol(u, years, u.spot * 0.7) > impliedVol(u, years, u.spot), `${u.ticker} T=${years}`);
    }
  }
  // And in the data: in each SPX series, the lowest-strike put against the one nearest the money.
  const spx = all.filter((c) => c.root === 'SPX' && c.contractType === 'put');
  const series = new Map<string, ChainContract[]>();
  for (const c of spx) series.set(c.expirationDate, [...(series.get(c.expirationDate) ?? []), c]);
  assert.ok(series.size > 3);
  for (const [expiry, puts] of series) {
    const spot = puts[0]!.underlying.spot;
    const lowest = puts[0]!;
    const atm = puts.reduce((best, c) => (Math.abs(c.strike - spot) < Math.abs(best.strike - spot) ? c : best));
    assert.ok(lowest.strike < atm.strike, expiry);
    assert.ok(lowest.impliedVol > atm.impliedVol, `${expiry}: ${lowest.impliedVol} vs ${atm.impliedVol}`);
  }
  // Short-dated volatility is higher.
  const u = [...underlyings][0]!;
  assert.ok(impliedVol(u, 7 / 365, u.spot) > impliedVol(u, 1, u.spot));
});

test('volume and open interest are heavy-tailed, busiest at the money, mostly zero far out', () => {
  const all = contracts({ underlyings: 20, contracts: 20_000 });
  const volumes = all
    .map((c) => c.day.volume)
    .filter((v) => v > 0)
    .sort((a, b) => a - b);
  const median = volumes[Math.floor(volumes.length / 2)]!;
  const max = volumes.at(-1)!;
  assert.ok(max > 50 * median, `max ${max}, median ${median}`);
  const interest = all
    .map((c) => c.day.openInterest)
    .filter((v) => v > 0)
    .sort((a, b) => a - b);
  assert.ok(interest.at(-1)! > 50 * interest[Math.floor(interest.length / 2)]!);

  const moneyness = ({ contract: c }: SampleContract): number =>
    Math.abs(Math.log(c.strike / c.underlying.spot)) / (c.impliedVol * Math.sqrt(c.years));
  const tradedShare = (group: SampleContract[]): number => group.filter((c) => c.day.volume > 0).length / group.length;
  const near = all.filter((c) => moneyness(c) < 0.5);
  const far = all.filter((c) => moneyness(c) > 4);
  assert.ok(near.length > 100 && far.length > 100);
  assert.ok(tradedShare(near) > 0.5, `near the money ${tradedShare(near)}`);
  assert.ok(tradedShare(far) < 0.1, `far out ${tradedShare(far)}`);
});

test('chain-json is one response page that JSON.parse reads, with every row', async () => {
  const { text, rows } = await sample('chain-json', { contracts: 1500 });
  const page = JSON.parse(text) as { status: string; request_id: string; results: unknown[] };
  assert.equal(page.status, 'OK');
  assert.match(page.request_id, /^[0-9a-f]{32}$/);
  assert.equal(rows, 1500);
  assert.equal(page.results.length, rows);
  const ndjson = await sample('chain-ndjson', { contracts: 1500 });
  assert.deepEqual(
    page.results,
    ndjson.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line)),
  );
});

test('NDJSON: every line parses; timestamps are 19-digit integers inside the New York session', async () => {
  for (const date of [DATE, '2025-07-15']) {
    const { text, rows } = await sample('chain-ndjson', { contracts: 1000, date });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, rows);
    const midnight = newYorkMidnightNs(date);
    let stamps = 0;
    for (const line of lines) {
      const result = JSON.parse(line) as {
        last_trade?: unknown;
        day: { volume: number; low?: number; high?: number; open?: number; close?: number };
      };
      assert.equal(result.last_trade === undefined, result.day.volume === 0, 'a trade exactly when there is volume');
      if (result.day.volume > 0) {
        const { low, high, open, close } = result.day as Required<typeof result.day>;
        assert.ok(low <= open && low <= close && open <= high && close <= high, line);
      }
      for (const match of line.matchAll(/"(last_updated|sip_timestamp)":([^,}]+)/g)) {
        const raw = match[2]!;
        assert.match(raw, /^\d{19}$/, `${match[1]} written as ${raw}`);
        const ns = BigInt(raw);
        stamps++;
        if (ns === midnight) continue; // day.last_updated: that day's midnight, like the real API
        const at = newYork(ns);
        assert.equal(at.date, date);
        assert.ok(at.minutes >= 9 * 60 + 30 && at.minutes < 16 * 60, `${raw} is ${at.minutes} min after midnight`);
      }
    }
    assert.ok(stamps >= 3 * rows);
    assert.deepEqual(newYork(midnight), { date, minutes: 0 });
  }
});

test('day-aggs CSV: exact header, midnight window_start, consistent bars, only traded contracts', async () => {
  const { text, rows } = await sample('day-aggs-csv', { contracts: 3000 });
  const [header, ...lines] = text.trimEnd().split('\n');
  assert.equal(header, 'ticker,volume,open,close,high,low,window_start,transactions');
  assert.equal(header, DAY_AGGS_HEADER);
  assert.equal(lines.length, rows);
  assert.ok(rows > 300 && rows < 3000, `${rows} of 3000 contracts traded`);
  for (const line of lines) {
    const [ticker, volume, open, close, high, low, windowStart, transactions, extra] = line.split(',');
    assert.equal(extra, undefined);
    assert.ok(parseTicker(ticker!).ok);
    assert.equal(windowStart, '1763614800000000000');
    for (const price of [open, close, high, low]) assert.match(price!, /^\d+(\.\d{1,2})?$/);
    const [o, c, h, l] = [open, close, high, low].map(Number) as [number, number, number, number];
    assert.ok(h >= l && l <= o && l <= c && o <= h && c <= h && l > 0, line);
    assert.ok(Number(volume) >= 1 && Number(transactions) >= 1 && Number(transactions) <= Number(volume), line);
  }
});

test('day-aggs CSV rows are the traded contracts of the snapshot for the same options', async () => {
  const csv = (await sample('day-aggs-csv')).text.trimEnd().split('\n').slice(1);
  const traded = (await sample('chain-ndjson')).text
    .trimEnd()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as {
          details: { ticker: string };
          day: { volume: number; open: number; close: number; high: number; low: number };
        },
    )
    .filter((result) => result.day.volume > 0)
    .map(({ details, day }) => `${details.ticker},${day.volume},${day.open},${day.close},${day.high},${day.low}`);
  assert.deepEqual(
    csv.map((line) => line.split(',').slice(0, 6).join(',')),
    traded,
  );
});

test('a .gz output gunzips to the same bytes; bytes reports the stored size', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'optdb-sample-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const plain = await sample('chain-ndjson');
  const file = path.join(dir, 'chain.ndjson.gz');
  const result = await writeSample({ out: file, format: 'chain-ndjson', underlyings: 8, contracts: 2000, date: DATE, seed: 1 });
  const stored = await fs.readFile(file);
  assert.equal(result.rows, plain.rows);
  assert.equal(result.bytes, stored.length);
  assert.ok(stored.length < plain.bytes / 3, 'compressed');
  assert.equal(gunzipSync(stored).toString('utf8'), plain.text);

  const csvFile = path.join(dir, 'aggs.csv');
  const csv = await writeSample({ out: csvFile, format: 'day-aggs-csv', underlyings: 8, contracts: 2000, date: DATE, seed: 1 });
  assert.equal(await fs.readFile(csvFile, 'utf8'), (await sample('day-aggs-csv')).text);
  assert.equal(csv.bytes, (await fs.stat(csvFile)).size);
});

test('--contracts is honoured and rows are reported exactly', async () => {
  for (const contracts of [1, 2, 777, 5001]) {
    const { text, rows } = await sample('chain-ndjson', { contracts, underlyings: 20 });
    assert.equal(rows, contracts);
    assert.equal(text.trimEnd().split('\n').length, rows);
  }
  // Spread unevenly: the big names list more contracts than the small ones.
  const counts = new Map<string, number>();
  for (const { underlying } of chain({ underlyings: 30, contracts: 10_000 }))
    counts.set(underlying.ticker, (counts.get(underlying.ticker) ?? 0) + 1);
  assert.equal(counts.size, 30);
  assert.ok(counts.get('I:SPX')! > 5 * Math.min(...counts.values()));
});

test('bid <= midpoint <= ask on the tick grid (cents under $3, nickels from $3)', async () => {
  const { text } = await sample('chain-ndjson', { contracts: 3000 });
  for (const line of text.trimEnd().split('\n')) {
    const { last_quote: q } = JSON.parse(line) as { last_quote: { bid: number; ask: number; midpoint: number } };
    assert.ok(q.bid >= 0 && q.bid < q.ask, line);
    assert.equal(Math.round(q.midpoint * 1000), Math.round(q.bid * 1000) / 2 + Math.round(q.ask * 1000) / 2, line);
    for (const price of [q.bid, q.ask]) {
      const cents = Math.round(price * 100);
      assert.ok(Math.abs(price * 100 - cents) < 1e-6, `${price} is whole cents`);
      if (price > 3) assert.equal(cents % 5, 0, `${price} above $3 is a nickel multiple`);
    }
  }
});

test('New York midnight follows daylight saving time (checked against Intl)', () => {
  for (const date of ['2025-03-07', '2025-03-10', '2025-10-31', '2025-11-03', '2006-04-03', '2006-10-30', '2024-12-31', '2040-06-15']) {
    assert.deepEqual(newYork(newYorkMidnightNs(date)), { date, minutes: 0 }, date);
  }
  assert.equal(newYorkMidnightNs('2025-11-20'), 1_763_614_800_000_000_000n);
});

test('the normal CDF is accurate to double precision', () => {
  assert.ok(Math.abs(normalCdf(1) - 0.8413447460685429) < 1e-15);
  assert.ok(Math.abs(normalCdf(-2) - 0.022750131948179195) < 1e-15);
  assert.ok(Math.abs(normalCdf(-5) / 2.866515718791939e-7 - 1) < 1e-9);
  assert.equal(normalCdf(0), 0.5);
});

test('bad options fail naming the option, the rule and the value', () => {
  const message = (flags: Record<string, unknown>): string => {
    try {
      resolveSampleOptions({ out: '-', format: 'chain-ndjson', ...flags });
    } catch (error) {
      assert.ok(error instanceof OptdbError);
      assert.equal(error.code, 'CONFIG_INVALID');
      return error.message;
    }
    return assert.fail('expected an error');
  };
  assert.equal(message({ contracts: 'abc' }), '--contracts must be an integer >= 1, got `abc`');
  assert.equal(message({ contracts: '0' }), '--contracts must be an integer >= 1, got `0`');
  assert.equal(message({ underlyings: '2.5' }), '--underlyings must be an integer >= 1, got `2.5`');
  assert.equal(message({ underlyings: '20000' }), '--underlyings must be an integer <= 10000, got `20000`');
  assert.equal(message({ seed: '-1' }), '--seed must be an integer >= 0, got `-1`');
  assert.equal(message({ format: 'csv' }), '--format must be one of chain-ndjson, chain-json, day-aggs-csv, got `csv`');
  assert.equal(message({ date: '2025-02-30' }), '--date must be a calendar date YYYY-MM-DD, got `2025-02-30`');
  assert.equal(message({ date: '2025-11-22' }), '--date must be a weekday (no session on weekends), got `2025-11-22` (Saturday)');
  assert.equal(message({ out: '' }), '--out must be a file path or `-` for stdout, got ``');

  const defaults = resolveSampleOptions({ out: '-', format: 'day-aggs-csv' });
  assert.deepEqual({ ...defaults }, { out: '-', format: 'day-aggs-csv', underlyings: 20, contracts: 10_000, date: '2025-11-20', seed: 1 });
});

test('the CLI command rejects a bad option before writing anything, as a usage error (exit 2)', async () => {
  const program = new Command('optdb').exitOverride().configureOutput({ writeErr: () => undefined });
  registerSample(program);
  await assert.rejects(
    program.parseAsync(['sample', '--out', '-', '--format', 'chain-ndjson', '--contracts', 'abc'], { from: 'user' }),
    (error: unknown) =>
      error instanceof CommanderError && error.exitCode === 2 && error.message === 'error: --contracts must be an integer >= 1, got `abc`',
  );
  await assert.rejects(
    writeSample({ out: '-', format: 'chain-ndjson', underlyings: 2, contracts: 10_000_000, date: DATE, seed: 1 }),
    (error: unknown) => error instanceof OptdbError && /--contracts 10000000 is more than 2 underlyings can list/.test(error.message),
  );
});

test("consecutive days' flat files list mostly the same contracts, as real ones do, with a few joining or leaving", async () => {
  const tickers = async (date: string): Promise<Set<string>> => {
    const { text } = await sample('day-aggs-csv', { underlyings: 20, contracts: 20_000, date });
    return new Set(
      text
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((line) => line.slice(0, line.indexOf(','))),
    );
  };
  const [thursday, friday] = [await tickers('2025-11-20'), await tickers('2025-11-21')];
  const shared = [...friday].filter((ticker) => thursday.has(ticker)).length;
  assert.ok(shared >= 0.9 * friday.size, `${shared} of ${friday.size} traded the day before`);
  assert.ok(shared < friday.size && shared < thursday.size, 'some contracts join, some leave');
});
