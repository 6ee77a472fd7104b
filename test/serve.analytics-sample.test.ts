/**
 * The /v1 analytics of `serveApi` on the sample generator's Black–Scholes chain, whose
 * answers are known by construction: the smile gives back the implied volatility the
 * generator's smile put at each strike (src/sample/smile.ts), the term structure its
 * at-the-money level, and the open interest, volumes, walls and max pain are those of the
 * generated contracts, max pain worked out here by brute force from its definition.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dayNumber } from '../src/domain/calendar-date.js';
import { type ApiServer, resolveConfig, serveApi } from '../src/index.js';
import { jsonText } from '../src/sample/json-text.js';
import { significant } from '../src/sample/price-ticks.js';
import { planSample, type SampleContract, sampleContracts } from '../src/sample/sample-contracts.js';
import { impliedVol } from '../src/sample/smile.js';
import { snapshotResult } from '../src/sample/snapshot-result.js';
import { ingestCapture } from './harness/captures.js';
import { TestDatabases } from './harness/database.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-serve-analytics-sample-');
let server: ApiServer;

const DATE = '2025-11-21';
const CAPTURE = '2025-11-21T20:00:00Z';
const plan = planSample({ underlyings: 1, contracts: 400, date: DATE, seed: 7 });
const sample = [...sampleContracts(plan)];
const underlying = plan.chains[0]!.underlying;
const expirations = [...new Set(sample.map(({ contract }) => contract.expirationDate))].sort();
const ofExpiration = (expiration: string) => sample.filter(({ contract }) => contract.expirationDate === expiration);

before(async () => {
  const db = await databases.migrated('serve_analytics_sample');
  const config = resolveConfig({}, { DATABASE_URL: db.url });
  await ingestCapture(
    config,
    dir,
    'sample',
    sample.map((contract) => jsonText(snapshotResult(contract))),
    CAPTURE,
  );
  server = await serveApi(config, { listen: { host: '127.0.0.1', port: 0 } });
});
after(async () => {
  await server?.close();
  await databases.dropAll();
});

async function ok(path: string): Promise<any> {
  const response = await fetch(`${server.url}${path}`);
  const text = await response.text();
  assert.equal(response.status, 200, `${path}: ${text}`);
  return JSON.parse(text);
}

const base = `/v1/underlyings/${underlying.ticker}`;
const byStrike = (a: number, b: number) => a - b;

/** The strike nearest the spot among those with an implied volatility shown, the lower on a tie; and that IV. */
function atTheMoney(contracts: readonly SampleContract[]): { strike: number; iv: number } | undefined {
  const shown = contracts.filter(({ day }) => day.greeksShown);
  const strikes = [...new Set(shown.map(({ contract }) => contract.strike))].sort(byStrike);
  const distance = (strike: number) => Math.abs(strike - underlying.spot);
  const strike = strikes.reduce<number | undefined>(
    (best, k) => (best === undefined || distance(k) < distance(best) ? k : best),
    undefined,
  );
  if (strike === undefined) return undefined;
  const ivs = shown.filter(({ contract }) => contract.strike === strike).map(({ contract }) => significant(contract.impliedVol));
  return { strike, iv: ivs.reduce((sum, iv) => sum + iv, 0) / ivs.length };
}

test('the smile of every expiration is the implied volatility the generator put in, by strike and by delta', async () => {
  assert.ok(expirations.length >= 5, `the chain lists several expirations (${expirations.length})`);
  let smiles = 0;
  for (const expiration of expirations) {
    const body = await ok(`${base}/smile?expiration_date=${expiration}`);
    assert.equal(body.captured_at, CAPTURE);
    assert.equal(body.underlying_price, underlying.spot);
    const expected = ofExpiration(expiration)
      .filter(({ day }) => day.greeksShown)
      .map(({ contract }) => ({
        strike_price: contract.strike,
        contract_type: contract.contractType,
        ticker: contract.ticker,
        delta: significant(contract.value.delta),
        // The generator's smile, recomputed: not read from what was ingested.
        implied_volatility: significant(impliedVol(underlying, contract.years, contract.strike)),
      }))
      .sort((a, b) => a.strike_price - b.strike_price || a.contract_type.localeCompare(b.contract_type));
    assert.deepEqual(body.results, expected, expiration);
    if (expected.length >= 4) smiles++;
  }
  // An hour from expiry, every delta of the expiring series is 0 or 1: a vendor shows no IV there.
  assert.equal(smiles, expirations.length - 1);
});

test('the term structure: at each expiration the strike nearest the spot and its implied volatility', async () => {
  const body = await ok(`${base}/term-structure`);
  assert.equal(body.captured_at, CAPTURE);
  assert.equal(body.underlying_price, underlying.spot);
  const expected = expirations.flatMap((expiration) => {
    const atm = atTheMoney(ofExpiration(expiration));
    return atm === undefined
      ? []
      : [
          {
            expiration_date: expiration,
            days_to_expiration: dayNumber(expiration) - dayNumber(DATE),
            atm_strike: atm.strike,
            atm_implied_volatility: atm.iv,
          },
        ];
  });
  assert.equal(expected.length, expirations.length - 1, 'the expiring series, with no IV shown, has no point');
  assert.deepEqual(body.results, expected);
  // The base level is higher for short-dated options (smile.ts): the curve says so too.
  assert.ok(body.results[0].atm_implied_volatility > body.results[body.results.length - 1].atm_implied_volatility);
});

/** put / call rounded half away from zero to 4 decimals, as PostgreSQL's round(numeric, 4); undefined when calls is 0. */
function ratio(puts: number, calls: number): number | undefined {
  return calls === 0 ? undefined : Math.floor((2 * puts * 10_000 + calls) / (2 * calls)) / 10_000;
}

test('per expiration: volumes and open interest of the generated contracts, their put/call ratios, ATM IV', async () => {
  const body = await ok(`${base}/expirations?as_of=${DATE}`);
  assert.equal(body.captured_at, CAPTURE);
  const sum = (contracts: readonly SampleContract[], type: 'call' | 'put', field: 'volume' | 'openInterest') =>
    contracts.filter(({ contract }) => contract.contractType === type).reduce((total, { day }) => total + day[field], 0);
  const expected = expirations.map((expiration) => {
    const contracts = ofExpiration(expiration);
    const [callVolume, putVolume] = [sum(contracts, 'call', 'volume'), sum(contracts, 'put', 'volume')];
    const [callInterest, putInterest] = [sum(contracts, 'call', 'openInterest'), sum(contracts, 'put', 'openInterest')];
    const atm = atTheMoney(contracts);
    const row: Record<string, unknown> = {
      expiration_date: expiration,
      days_to_expiration: dayNumber(expiration) - dayNumber(DATE),
      call_volume: callVolume,
      put_volume: putVolume,
      put_call_volume_ratio: ratio(putVolume, callVolume),
      call_open_interest: callInterest,
      put_open_interest: putInterest,
      put_call_open_interest_ratio: ratio(putInterest, callInterest),
      atm_strike: atm?.strike,
      atm_implied_volatility: atm?.iv,
    };
    return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined));
  });
  assert.ok(
    expected.some((row) => row.put_call_volume_ratio !== undefined && !Number.isInteger(row.put_call_volume_ratio)),
    'some ratio is rounded',
  );
  assert.deepEqual(body.results, expected);
});

/** Max pain by its definition: the listed strike where the in-the-money options pay their holders the least. */
function maxPain(contracts: readonly SampleContract[]): number | undefined {
  if (contracts.every(({ day }) => day.openInterest === 0)) return undefined;
  const strikes = [...new Set(contracts.map(({ contract }) => contract.strike))].sort(byStrike);
  const payout = (settle: number) =>
    contracts.reduce((total, { contract, day }) => {
      const intrinsic = contract.contractType === 'call' ? settle - contract.strike : contract.strike - settle;
      return total + day.openInterest * Math.max(0, intrinsic);
    }, 0);
  return strikes.reduce((best, strike) => (payout(strike) < payout(best) ? strike : best), strikes[0]!);
}

/** The strike with the most open interest of a type, the lower on a tie; undefined when there is none. */
function wall(contracts: readonly SampleContract[], type: 'call' | 'put'): number | undefined {
  let best: { strike: number; interest: number } | undefined;
  const byStrikeInterest = new Map<number, number>();
  for (const { contract, day } of contracts) {
    if (contract.contractType === type)
      byStrikeInterest.set(contract.strike, (byStrikeInterest.get(contract.strike) ?? 0) + day.openInterest);
  }
  for (const [strike, interest] of [...byStrikeInterest].sort(([a], [b]) => a - b)) {
    if (interest > 0 && (best === undefined || interest > best.interest)) best = { strike, interest };
  }
  return best?.strike;
}

test('open interest by strike, walls and max pain: of each expiration, and of all of them summed', async () => {
  const scopes = [
    ...expirations.map((expiration) => ({ expiration, contracts: ofExpiration(expiration) })),
    { expiration: undefined, contracts: sample },
  ];
  let painsAwayFromTheMoney = 0;
  for (const { expiration, contracts } of scopes) {
    const body = await ok(`${base}/open-interest${expiration === undefined ? '' : `?expiration_date=${expiration}`}`);
    const strikes = [...new Set(contracts.map(({ contract }) => contract.strike))].sort(byStrike);
    const side = (strike: number, type: 'call' | 'put', field: 'volume' | 'openInterest') =>
      contracts
        .filter(({ contract }) => contract.strike === strike && contract.contractType === type)
        .reduce((total, { day }) => total + day[field], 0);
    assert.deepEqual(
      body.results,
      strikes.map((strike) => ({
        strike_price: strike,
        call_open_interest: side(strike, 'call', 'openInterest'),
        put_open_interest: side(strike, 'put', 'openInterest'),
        call_volume: side(strike, 'call', 'volume'),
        put_volume: side(strike, 'put', 'volume'),
      })),
      expiration ?? 'all expirations',
    );
    assert.equal(body.max_pain, maxPain(contracts), `max pain of ${expiration ?? 'all expirations'}`);
    assert.equal(body.call_wall, wall(contracts, 'call'));
    assert.equal(body.put_wall, wall(contracts, 'put'));
    if (body.max_pain !== atTheMoney(contracts)?.strike) painsAwayFromTheMoney++;
  }
  assert.ok(painsAwayFromTheMoney > 0, 'max pain is not merely the strike at the money');
});
