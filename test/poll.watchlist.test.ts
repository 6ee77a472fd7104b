import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptdbError } from '../src/errors.js';
import { parseUnderlyingList, parseWatchlist, resolveUnderlyings } from '../src/poll/watchlist.js';
import { useTempDirectory } from './harness/temp-dir.js';

const fixtures = useTempDirectory('optdb-poll-watchlist-');

/** Asserts a CONFIG_INVALID OptdbError whose message contains every fragment. */
function configError(...fragments: string[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof OptdbError, `expected an OptdbError, got ${String(error)}`);
    assert.equal(error.code, 'CONFIG_INVALID');
    for (const fragment of fragments)
      assert.ok(error.message.includes(fragment), `${JSON.stringify(error.message)} lacks ${JSON.stringify(fragment)}`);
    return true;
  };
}

test('--underlyings: commas or spaces, upper-cased, stocks, class shares and indices', () => {
  assert.deepEqual(parseUnderlyingList('AAPL,SPY,I:SPX'), ['AAPL', 'SPY', 'I:SPX']);
  assert.deepEqual(parseUnderlyingList(' aapl, brk.b  i:ndx,,i:vix9d '), ['AAPL', 'BRK.B', 'I:NDX', 'I:VIX9D']);
});

test('a bad entry names itself and the rule', () => {
  for (const bad of ['SP-Y', 'O:AAPL251121C00150000', 'I:', '123', 'AAPL.', 'TOOLONGTICKER', 'I:S&P']) {
    assert.throws(
      () => parseUnderlyingList(`AAPL,${bad}`),
      configError(JSON.stringify(bad), '--underlyings', 'expected a stock ticker'),
      bad,
    );
  }
});

test('a watchlist file: one or more per line, comments, blank lines, Windows line ends', () => {
  const text = ['# core names', 'AAPL, MSFT', '', '  spy qqq  # the ETFs', 'I:SPX\r', '#I:NDX', '   '].join('\n');
  assert.deepEqual(parseWatchlist(text, 'list.txt'), ['AAPL', 'MSFT', 'SPY', 'QQQ', 'I:SPX']);
});

test('an error in a watchlist names the file and the line', () => {
  const text = ['AAPL', '# a comment', 'MSFT SP$Y'].join('\n');
  assert.throws(() => parseWatchlist(text, 'list.txt'), configError('"SP$Y"', 'list.txt:3', 'I:SPX'));
});

test('flag and file together: duplicates removed, first occurrence keeps its place', async () => {
  const file = await fixtures.write('watch.txt', 'msft\nAAPL I:SPX\nNVDA, spy\n');
  const underlyings = await resolveUnderlyings({ underlyings: 'SPY,aapl', watchlist: file });
  assert.deepEqual(underlyings, ['SPY', 'AAPL', 'MSFT', 'I:SPX', 'NVDA']);
  assert.ok(Object.isFrozen(underlyings));
  assert.deepEqual(await resolveUnderlyings({ underlyings: ['AAPL', 'SPY,AAPL'] }), ['AAPL', 'SPY'], 'a repeated flag');
});

test('an empty list is an error that says how to give one', async () => {
  await assert.rejects(resolveUnderlyings({}), configError('No underlyings given'));
  await assert.rejects(resolveUnderlyings({ underlyings: ' , ' }), configError('No underlyings given'));
  const empty = await fixtures.write('empty.txt', '# nothing yet\n\n');
  await assert.rejects(resolveUnderlyings({ watchlist: empty }), configError('No underlyings given', empty));
  await assert.rejects(
    resolveUnderlyings({}),
    (error: unknown) => error instanceof OptdbError && (error.remedy ?? '').includes('--watchlist'),
  );
});

test('a missing watchlist file is a configuration error naming the path', async () => {
  const missing = `${fixtures.path}/absent.txt`;
  await assert.rejects(resolveUnderlyings({ watchlist: missing }), configError('--watchlist', missing, 'no such file'));
});
