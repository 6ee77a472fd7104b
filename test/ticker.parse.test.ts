import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatTicker,
  isValidTicker,
  parseTicker,
  strikeFromThousandths,
  thousandthsFromStrike,
  type OptionTicker,
} from '../src/domain/ticker.js';

function ok(text: string): OptionTicker {
  const r = parseTicker(text);
  if (!r.ok) assert.fail(`expected ${text} to parse, got: ${r.reason}`);
  return r.value;
}

function reason(text: unknown): string {
  const r = parseTicker(text as string);
  if (r.ok) assert.fail(`expected ${JSON.stringify(text)} to be rejected`);
  return r.reason;
}

describe('parseTicker accepts', () => {
  test('AAPL call', () => {
    assert.deepEqual(ok('O:AAPL251121C00150000'), {
      ticker: 'O:AAPL251121C00150000',
      root: 'AAPL',
      expirationDate: '2025-11-21',
      contractType: 'call',
      strikeThousandths: 150000,
      strikePrice: '150',
    });
  });

  test('AAPL put', () => {
    const t = ok('O:AAPL260116P00200000');
    assert.equal(t.contractType, 'put');
    assert.equal(t.expirationDate, '2026-01-16');
    assert.equal(t.strikePrice, '200');
  });

  test('adjusted root with digit GME1', () => {
    const t = ok('O:GME1250117C00010000');
    assert.equal(t.root, 'GME1');
    assert.equal(t.expirationDate, '2025-01-17');
    assert.equal(t.strikePrice, '10');
  });

  test('index weekly SPXW', () => {
    const t = ok('O:SPXW251219P05800000');
    assert.equal(t.root, 'SPXW');
    assert.equal(t.contractType, 'put');
    assert.equal(t.strikeThousandths, 5_800_000);
    assert.equal(t.strikePrice, '5800');
  });

  test('root starting with a digit, 2AAPL', () => {
    const t = ok('O:2AAPL251121C00150000');
    assert.equal(t.root, '2AAPL');
    assert.equal(t.strikePrice, '150');
  });

  test('six-character root', () => {
    assert.equal(ok('O:ABCDEF251121C00150000').root, 'ABCDEF');
  });

  test('single-letter root F with decimal strike 12.50', () => {
    const t = ok('O:F251121C00012500');
    assert.equal(t.root, 'F');
    assert.equal(t.strikeThousandths, 12500);
    assert.equal(t.strikePrice, '12.5');
  });

  test('largest strike 99999.999', () => {
    const t = ok('O:SPX251121C99999999');
    assert.equal(t.strikeThousandths, 99_999_999);
    assert.equal(t.strikePrice, '99999.999');
  });

  test('smallest strike 0.001', () => {
    const t = ok('O:X251121P00000001');
    assert.equal(t.strikeThousandths, 1);
    assert.equal(t.strikePrice, '0.001');
  });

  test('leap day 2028-02-29 accepted', () => {
    assert.equal(ok('O:AAPL280229C00150000').expirationDate, '2028-02-29');
  });

  test('year 00 is 2000 (a leap year) and 99 is 2099', () => {
    assert.equal(ok('O:AAPL000229C00150000').expirationDate, '2000-02-29');
    assert.equal(ok('O:AAPL991231P00150000').expirationDate, '2099-12-31');
  });
});

describe('round trip', () => {
  const tickers = [
    'O:AAPL251121C00150000',
    'O:AAPL251121P00150000',
    'O:GME1250117C00010000',
    'O:SPXW251219P05800000',
    'O:2AAPL251121C00150000',
    'O:F251121C00012500',
    'O:SPX251121C99999999',
    'O:X251121P00000001',
    'O:AAPL280229C00150000',
    'O:BRKB260320C00475500',
    'O:TSLA270115P00002125',
    'O:QQQ250131C00517000',
    'O:ABCDEF301231P12345678',
  ];
  for (const t of tickers) {
    test(`format(parse(${t})) === ${t}`, () => {
      assert.equal(formatTicker(ok(t)), t);
      assert.equal(isValidTicker(t), true);
    });
  }

  test('formatTicker builds a ticker from parts', () => {
    assert.equal(
      formatTicker({ root: 'F', expirationDate: '2025-11-21', contractType: 'call', strikeThousandths: 12500 }),
      'O:F251121C00012500',
    );
  });
});

describe('parseTicker rejects', () => {
  test('not a string', () => {
    assert.match(reason(42), /not a string: got number/);
    assert.match(reason(null), /not a string: got null/);
    assert.match(reason(undefined), /not a string: got undefined/);
  });

  test('empty', () => {
    assert.match(reason(''), /empty/);
  });

  test('missing O: prefix', () => {
    assert.match(reason('AAPL251121C00150000'), /bad prefix: missing "O:"/);
  });

  test('wrong prefix X:', () => {
    assert.match(reason('X:AAPL251121C00150000'), /bad prefix: "X:" instead of "O:"/);
  });

  test('lowercase o: prefix', () => {
    assert.match(reason('o:AAPL251121C00150000'), /bad prefix: lowercase "o:"/);
  });

  test('lowercase letters in root', () => {
    assert.match(reason('O:aapl251121C00150000'), /bad character "a" \(U\+0061\) at index 2, lowercase/);
  });

  test('lowercase type letter', () => {
    assert.match(reason('O:AAPL251121c00150000'), /bad character "c" .* at index 12/);
  });

  test('space', () => {
    assert.match(reason('O:AA PL251121C00150000'), /bad character " " \(U\+0020\) at index 4/);
    assert.match(reason('O:AAPL251121C00150000 '), /bad character " " .* at index 21/);
  });

  test('quote', () => {
    assert.match(reason('O:AA"PL251121C00150000'), /bad character "\\"" \(U\+0022\) at index 4/);
  });

  test('backslash', () => {
    assert.match(reason('O:AA\\PL251121C00150000'), /bad character "\\\\" \(U\+005C\) at index 4/);
  });

  test('NUL byte', () => {
    assert.match(reason('O:AAPL\u0000251121C00150000'), /bad character "\\u0000" \(U\+0000\) at index 6/);
  });

  test('unicode', () => {
    assert.match(reason('O:ÄAPL251121C00150000'), /bad character "Ä" \(U\+00C4\) at index 2/);
    assert.match(reason('O:AAPL251121C0015000😀'), /bad character "😀" \(U\+1F600\) at index 20/);
    assert.match(reason('O:ＡAPL251121C00150000'), /bad character "Ａ" \(U\+FF21\) at index 2/);
  });

  test('stray colon after prefix', () => {
    assert.match(reason('O::AAPL251121C00150000'), /bad character ":" .* at index 2/);
  });

  test('too short', () => {
    assert.match(reason('O:'), /too short/);
    assert.match(reason('O:AAPL'), /too short/);
    assert.match(reason('O:AAPL2511C001'), /too short/);
  });

  test('missing root', () => {
    assert.match(reason('O:251121C00150000'), /missing root/);
  });

  test('root longer than 6', () => {
    assert.match(reason('O:ABCDEFG251121C00150000'), /root too long: "ABCDEFG" has 7 characters, max 6/);
  });

  test('bad type letter', () => {
    assert.match(reason('O:AAPL251121X00150000'), /bad contract type "X": expected C or P/);
  });

  test('strike with 7 digits', () => {
    assert.match(reason('O:AAPL251121C0015000'), /strike must be 8 digits, got 7/);
    assert.match(reason('O:F251121C0001250'), /strike must be 8 digits, got 7/);
  });

  test('strike with 9 digits', () => {
    assert.match(reason('O:AAPL251121C001500000'), /strike must be 8 digits, got 9/);
  });

  test('date that is not 6 digits', () => {
    assert.match(reason('O:AAPL2511C00150000'), /bad date: expected 6 digits YYMMDD, got "PL2511"/);
  });

  test('month 13', () => {
    assert.match(reason('O:AAPL251321C00150000'), /^bad date: month 13 in "251321"$/);
  });

  test('month 00', () => {
    assert.match(reason('O:AAPL250021C00150000'), /bad date: month 00 in "250021"/);
  });

  test('day 00', () => {
    assert.match(reason('O:AAPL251100C00150000'), /bad date: day 00 in "251100"/);
  });

  test('Feb 30', () => {
    assert.match(reason('O:AAPL280230C00150000'), /bad date: day 30 past end of Feb 2028 \(29 days\) in "280230"/);
  });

  test('Apr 31', () => {
    assert.match(reason('O:AAPL250431C00150000'), /bad date: day 31 past end of Apr 2025 \(30 days\)/);
  });

  test('Feb 29 in non-leap year 2027', () => {
    assert.match(reason('O:AAPL270229C00150000'), /bad date: Feb 29 in non-leap year 2027 in "270229"/);
    assert.equal(isValidTicker('O:AAPL270229C00150000'), false);
  });

  test('strike zero', () => {
    assert.match(reason('O:AAPL251121C00000000'), /bad strike: zero/);
  });
});

describe('formatTicker rejects', () => {
  const base = { root: 'AAPL', expirationDate: '2025-11-21', contractType: 'call', strikeThousandths: 150000 } as const;

  test('bad root', () => {
    assert.throws(() => formatTicker({ ...base, root: '' }), { name: 'RangeError', message: /bad root ""/ });
    assert.throws(() => formatTicker({ ...base, root: 'aapl' }), { name: 'RangeError', message: /bad root "aapl"/ });
    assert.throws(() => formatTicker({ ...base, root: 'ABCDEFG' }), { name: 'RangeError', message: /bad root/ });
  });

  test('bad date', () => {
    assert.throws(() => formatTicker({ ...base, expirationDate: '2025-13-01' }), {
      name: 'RangeError',
      message: /bad expirationDate "2025-13-01": month 13/,
    });
    assert.throws(() => formatTicker({ ...base, expirationDate: '2027-02-29' }), {
      name: 'RangeError',
      message: /Feb 29 in non-leap year 2027/,
    });
    assert.throws(() => formatTicker({ ...base, expirationDate: '1999-12-31' }), { name: 'RangeError', message: /2000-2099/ });
    assert.throws(() => formatTicker({ ...base, expirationDate: '20251121' }), { name: 'RangeError', message: /YYYY-MM-DD/ });
  });

  test('bad contract type', () => {
    assert.throws(() => formatTicker({ ...base, contractType: 'C' as never }), { name: 'RangeError', message: /contractType "C"/ });
  });

  test('strike out of range or non-integer', () => {
    for (const n of [0, -1, 100_000_000, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => formatTicker({ ...base, strikeThousandths: n }), {
        name: 'RangeError',
        message: /strike thousandths must be an integer in 1\.\.99999999/,
      });
    }
  });
});

describe('strike conversions', () => {
  test('strikeFromThousandths', () => {
    assert.equal(strikeFromThousandths(150000), '150');
    assert.equal(strikeFromThousandths(12500), '12.5');
    assert.equal(strikeFromThousandths(12510), '12.51');
    assert.equal(strikeFromThousandths(1), '0.001');
    assert.equal(strikeFromThousandths(10), '0.01');
    assert.equal(strikeFromThousandths(1000), '1');
    assert.equal(strikeFromThousandths(99_999_999), '99999.999');
    assert.throws(() => strikeFromThousandths(0), RangeError);
    assert.throws(() => strikeFromThousandths(0.5), RangeError);
  });

  test('thousandthsFromStrike accepts plain decimals', () => {
    assert.equal(thousandthsFromStrike('150'), 150000);
    assert.equal(thousandthsFromStrike('150.0'), 150000);
    assert.equal(thousandthsFromStrike('12.50'), 12500);
    assert.equal(thousandthsFromStrike('12.5'), 12500);
    assert.equal(thousandthsFromStrike('0.001'), 1);
    assert.equal(thousandthsFromStrike('99999.999'), 99_999_999);
    assert.equal(thousandthsFromStrike('0150.5'), 150500);
    assert.equal(thousandthsFromStrike('150.0000'), 150000);
    // 0.1 + 0.2 style float traps stay exact
    assert.equal(thousandthsFromStrike('0.3'), 300);
    assert.equal(thousandthsFromStrike('4.035'), 4035);
  });

  test('thousandthsFromStrike rejects', () => {
    assert.throws(() => thousandthsFromStrike('12.5001'), { name: 'RangeError', message: /more than 3 decimals/ });
    assert.throws(() => thousandthsFromStrike('0.0001'), { name: 'RangeError', message: /more than 3 decimals/ });
    assert.throws(() => thousandthsFromStrike('100000'), { name: 'RangeError', message: /out of range/ });
    assert.throws(() => thousandthsFromStrike('1234567890123456789'), { name: 'RangeError', message: /out of range/ });
    assert.throws(() => thousandthsFromStrike('0'), { name: 'RangeError', message: /out of range/ });
    assert.throws(() => thousandthsFromStrike('0.000'), { name: 'RangeError', message: /out of range/ });
    for (const bad of ['', ' 150', '-1', '1e3', '.5', '5.', '1,5', 'abc']) {
      assert.throws(() => thousandthsFromStrike(bad), { name: 'RangeError', message: /not a plain decimal/ }, bad);
    }
  });

  test('conversions round-trip', () => {
    for (const n of [1, 9, 10, 99, 100, 999, 1000, 1001, 12500, 150000, 5_800_000, 99_999_999]) {
      assert.equal(thousandthsFromStrike(strikeFromThousandths(n)), n);
    }
  });
});
