import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'lossless-json';
import { validateSnapshot, type SnapshotOptions } from '../src/domain/snapshot.js';
import type { JsonValue } from '../src/domain/json-value.js';
import { DOCUMENTED_RESULT as REAL_RESULT } from './harness/polygon-fixtures.js';

const MINUTE = 60_000_000n;
const OPTIONS: SnapshotOptions = { capturedAtMicros: undefined, resolutionMicros: MINUTE };

function result(edit: (value: Record<string, any>) => void = () => {}): JsonValue {
  const value = parse(REAL_RESULT) as Record<string, any>;
  edit(value);
  return value as JsonValue;
}

function reason(value: JsonValue, options = OPTIONS): string {
  const validated = validateSnapshot(value, options);
  assert.equal(validated.ok, false, 'expected a rejection');
  return (validated as { reason: string }).reason;
}

test('the real result becomes an exact row and a contract', () => {
  const validated = validateSnapshot(result(), OPTIONS);
  assert.ok(validated.ok);
  const { row, contract } = validated;
  assert.equal(row.ticker, 'O:SPXW230712C04500000');
  // Newest of quote (…023516476700), trade and day timestamps, truncated to the minute.
  assert.equal(row.captured_at, '2023-07-12T15:00:00.000000Z');
  assert.equal(row.quote_at, '2023-07-12T15:00:23.516476Z');
  assert.equal(row.last_trade_at, '2023-07-12T15:00:23.261703Z');
  assert.equal(row.day_vwap, '2.5245');
  assert.equal(row.day_change_percent, '25.926');
  assert.equal(row.day_volume, '41840');
  assert.equal(row.theta, '-5.994');
  assert.equal(row.underlying_price, '4483.78');
  assert.equal(row.last_exchange, '302');
  assert.equal(row.break_even_price, null);
  assert.deepEqual(
    { ...contract },
    {
      ticker: 'O:SPXW230712C04500000',
      root: 'SPXW',
      contractType: 'call',
      expirationDate: '2023-07-12',
      strikePrice: '4500',
      underlyingTicker: 'I:SPX',
      underlyingGuess: 'I:SPX',
      sharesPerContract: 100,
      exerciseStyle: 'european',
      primaryExchange: null,
    },
  );
});

test('--captured-at overrides, and --resolution truncates', () => {
  const fixed = validateSnapshot(result(), { capturedAtMicros: 1_700_000_000_123_456n, resolutionMicros: 1_000_000n });
  assert.ok(fixed.ok);
  assert.equal(fixed.row.captured_at, '2023-11-14T22:13:20.000000Z');
  const daily = validateSnapshot(result(), { capturedAtMicros: undefined, resolutionMicros: 86_400_000_000n });
  assert.ok(daily.ok);
  assert.equal(daily.row.captured_at, '2023-07-12T00:00:00.000000Z');
});

test('absent greeks, quote and trade are nulls, not rejections', () => {
  const validated = validateSnapshot(
    result((v) => {
      delete v.greeks;
      delete v.last_trade;
      delete v.implied_volatility;
    }),
    OPTIONS,
  );
  assert.ok(validated.ok);
  assert.equal(validated.row.delta, null);
  assert.equal(validated.row.last_price, null);
  assert.equal(validated.row.captured_at, '2023-07-12T15:00:00.000000Z');
});

test('every rejection names its reason', () => {
  assert.match(reason(result((v) => (v.details.ticker = 'O:SPXW230712X04500000'))), /bad ticker .*bad contract type "X"/);
  assert.match(reason(result((v) => delete v.details.ticker)), /missing required field details\.ticker/);
  assert.match(reason(result((v) => delete v.details)), /missing required field details\.ticker/);
  assert.match(reason(result((v) => (v.day.close = '1.7'))), /wrong type: day\.close is a string, expected a number/);
  assert.match(reason(result((v) => (v.day = [1, 2]))), /wrong type: day is an array, expected an object/);
  assert.match(reason(result((v) => (v.day.volume = parse('-5')))), /negative day\.volume: -5/);
  assert.match(reason(result((v) => (v.last_quote.bid = parse('-0.5')))), /negative last_quote\.bid/);
  assert.match(reason(result((v) => (v.day.volume = parse('1.5')))), /not an integer: day\.volume is 1\.5/);
  assert.match(reason(result((v) => (v.day.high = parse('1.0')))), /day\.high 1\.0 < day\.low 1\.35/);
  assert.match(reason(result((v) => (v.details.contract_type = 'put'))), /contract_type put contradicts the ticker \(call\)/);
  assert.match(reason(result((v) => (v.details.strike_price = parse('4505')))), /strike_price 4505 contradicts/);
  assert.match(reason(result((v) => (v.details.expiration_date = '2023-07-14'))), /expiration_date 2023-07-14 contradicts/);
  assert.match(reason(result((v) => (v.details.exercise_style = 'asian'))), /bad details\.exercise_style/);
  assert.match(reason(result((v) => (v.details.contract_type = 'future'))), /bad details\.contract_type: "future"/);
  assert.match(reason(result((v) => (v.details.shares_per_contract = parse('0')))), /bad details\.shares_per_contract: 0/);
  assert.match(
    reason(result((v) => (v.details.shares_per_contract = parse('2147483648')))),
    /bad details\.shares_per_contract: 2147483648/,
  );
  assert.match(reason(result((v) => (v.underlying_asset.ticker = 'I:SPX\u0000'))), /NUL/);
  assert.match(
    reason(
      result((v) => {
        delete v.last_quote;
        delete v.last_trade;
        delete v.day.last_updated;
      }),
    ),
    /no timestamp to derive captured_at/,
  );
  assert.match(reason('just a string'), /wrong type: result is a string/);
  assert.match(reason(null), /wrong type: result is null/);
});

test('contract_type "other" contradicts no ticker; the contract keeps the ticker\'s type', () => {
  const validated = validateSnapshot(
    result((v) => (v.details.contract_type = 'other')),
    OPTIONS,
  );
  assert.ok(validated.ok);
  assert.equal(validated.contract.contractType, 'call');
});

test('a theta of -0 and negative changes are accepted', () => {
  const validated = validateSnapshot(
    result((v) => {
      v.greeks.theta = parse('-0.0');
      v.day.change = parse('-0.35');
    }),
    OPTIONS,
  );
  assert.ok(validated.ok);
  assert.equal(validated.row.day_change, '-0.35');
});
