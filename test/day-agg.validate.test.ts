import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateDayAgg } from '../src/domain/day-agg.js';

const ROW = {
  ticker: 'O:GME1251121C00012500',
  volume: '1203',
  open: '1.05',
  close: '1.10',
  high: '1.25',
  low: '0.98',
  window_start: '1763614800000000000', // 2025-11-20 00:00 America/New_York
  transactions: '87',
};

test('a flat-file row becomes a day bar on its New York trading day', () => {
  const validated = validateDayAgg(ROW);
  assert.ok(validated.ok);
  assert.deepEqual(validated.row, {
    ticker: 'O:GME1251121C00012500',
    day: '2025-11-20',
    open: '1.05',
    high: '1.25',
    low: '0.98',
    close: '1.10',
    volume: '1203',
    transactions: '87',
  });
  assert.equal(validated.contract.root, 'GME1');
  assert.equal(validated.contract.strikePrice, '12.5');
  assert.equal(validated.contract.underlyingTicker, null, 'the flat file does not say');
  assert.equal(validated.contract.underlyingGuess, 'GME');
});

test('window_start late in the New York evening is still that day (UTC is already the next)', () => {
  const validated = validateDayAgg({ ...ROW, window_start: String(1763614800000000000n + 23n * 3_600_000_000_000n) });
  assert.ok(validated.ok);
  assert.equal(validated.row.day, '2025-11-20');
});

test('transactions may be absent; unknown columns are ignored', () => {
  const { transactions: _, ...withoutTransactions } = ROW;
  const validated = validateDayAgg({ ...withoutTransactions, exchange_note: 'x' });
  assert.ok(validated.ok);
  assert.equal(validated.row.transactions, null);
});

test("open and close may sit on the day's low and high", () => {
  assert.ok(validateDayAgg({ ...ROW, open: '0.98', close: '1.25' }).ok);
  assert.ok(validateDayAgg({ ...ROW, open: '1.250', close: '0.980' }).ok, 'trailing zeros compare as numbers');
});

test('every rejection names its reason', () => {
  const reason = (fields: Record<string, string>) => {
    const validated = validateDayAgg(fields);
    assert.equal(validated.ok, false);
    return (validated as { reason: string }).reason;
  };
  assert.match(reason({ ...ROW, ticker: 'AAPL251121C00150000' }), /bad ticker .*bad prefix/);
  assert.match(reason({ ...ROW, ticker: '' }), /missing required field ticker/);
  assert.match(reason({ ...ROW, close: 'abc' }), /not a number: close is "abc"/);
  assert.match(reason({ ...ROW, open: 'NaN' }), /not a number: open/);
  assert.match(reason({ ...ROW, low: '-1' }), /negative low: -1/);
  assert.match(reason({ ...ROW, volume: '-3' }), /not an integer: volume|negative volume/);
  assert.match(reason({ ...ROW, volume: '12.5' }), /not an integer: volume is "12.5"/);
  assert.match(reason({ ...ROW, high: '0.5' }), /high 0\.5 < low 0\.98/);
  assert.equal(reason({ ...ROW, open: '1e3' }), 'exponent notation: open is "1e3"');
  assert.equal(reason({ ...ROW, close: '1.1E+0' }), 'exponent notation: close is "1.1E+0"');
  assert.equal(reason({ ...ROW, open: '1.30' }), 'open 1.30 outside [low 0.98, high 1.25]');
  assert.equal(reason({ ...ROW, close: '0.97' }), 'close 0.97 outside [low 0.98, high 1.25]');
  const { window_start: _, ...noWindow } = ROW;
  assert.match(reason(noWindow), /missing required field window_start/);
});
