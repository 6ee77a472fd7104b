/**
 * optdb's jobs as a program embedding it runs them, everything imported from the public
 * entry: a resolved Config, then migrate, ingest files (stopped half-way by its signal,
 * then resumed), poll once against an API server, sync contracts, run the doctor and a
 * short load test — each job opening and closing its own database connections. Effects
 * are asserted in the database, next to the summaries the jobs return.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, test } from 'node:test';
import {
  checkDatabase,
  checkFiles,
  type Config,
  type CycleResult,
  type DatabaseTarget,
  ingestFiles,
  IngestStopped,
  migrateDatabase,
  OptdbMetrics,
  readMigrationFiles,
  readMigrationStatus,
  resolveConfig,
  resolveUnderlyings,
  runLoadtest,
  runPoll,
  syncContracts,
  writeSample,
} from '../src/index.js';
import { TestDatabases } from './harness/database.js';
import { DOCUMENTED_RESULT, referenceContracts, SAMPLE_DATE, sampleChain } from './harness/polygon-fixtures.js';
import { PolygonServer } from './harness/polygon-server.js';
import { samples } from './harness/prometheus.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-library-jobs-');
after(() => databases.dropAll());

const KEY = 'library-key-5c1d93e7';

/** The configuration a program resolves, from an environment of its own (process.env stays as it is). */
const configFor = (url: string, env: Record<string, string> = {}): Config => resolveConfig({}, { DATABASE_URL: url, ...env });

const count = async (url: string, from: string): Promise<number> => (await query(url, `SELECT count(*)::int AS n FROM ${from}`))[0].n;

/**
 * optdb's connections to the database still open a moment after a job returned: a
 * backend leaves pg_stat_activity shortly after its client disconnects.
 */
async function connectionsLeft(url: string, database: string): Promise<number> {
  let left = 0;
  for (let i = 0; i < 40; i++) {
    left = (
      await query(url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'optdb'`, [database])
    )[0].n;
    if (left === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return left;
}

test('migrateDatabase and readMigrationStatus: an empty database migrated from a Config, once', async () => {
  const db = await databases.empty('library_jobs_migrate');
  const config = configFor(db.url);
  const names = (await readMigrationFiles()).map((file) => file.name);
  const before = await readMigrationStatus(config);
  assert.equal(before.upToDate, false);
  assert.deepEqual(before.pending, names);

  const opened: DatabaseTarget[] = [];
  const migrated = await migrateDatabase(config, { onDatabase: (database) => void opened.push(database) });
  assert.deepEqual(migrated, { applied: names, alreadyApplied: 0 });
  assert.deepEqual(
    opened.map(({ url, directUrl, embedded }) => ({ url, directUrl, embedded })),
    [{ url: db.url, directUrl: db.url, embedded: false }],
  );
  const recorded = await query(
    db.url,
    'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
  );
  assert.deepEqual(
    recorded.map((row) => row.migration_name),
    [...names].sort(),
  );

  assert.deepEqual(await migrateDatabase(config), { applied: [], alreadyApplied: names.length });
  assert.equal((await readMigrationStatus(config)).upToDate, true);
});

test('ingestFiles: a writeSample chain and a CSV with a bad row loaded, counted and ANALYZEd; checkFiles writes nothing', async () => {
  const db = await databases.migrated('library_jobs_ingest');
  const config = configFor(db.url);
  const chain = `${dir.path}/chain.ndjson.gz`;
  const { rows: chainRows } = await writeSample({
    underlyings: 3,
    contracts: 2_500,
    date: '2025-11-20',
    seed: 11,
    out: chain,
    format: 'chain-ndjson',
  });
  const bars = await dir.write(
    'bars.csv',
    [
      'ticker,volume,open,close,high,low,window_start,transactions',
      'O:ZZZ251121C00600000,120,1.10,2.00,2.05,1.00,1763614800000000000,17',
      'O:ZZZ251121C00605000,80,1.10,1.50,2.05,1.00,1763614800000000000,9',
      'O:ZZZ251121C00610000,80,1.10,3.00,2.05,1.00,1763614800000000000,9',
    ].join('\n') + '\n',
  );
  const rejects = `${dir.path}/rejects.ndjson`;

  const checked = await checkFiles([chain, bars], { rejects });
  assert.deepEqual([checked.dryRun, checked.rowsRead, checked.valid, checked.rejected], [true, chainRows + 3, chainRows + 2, 1]);
  assert.equal(await count(db.url, 'option_snapshots'), 0, 'checkFiles wrote nothing');

  const metrics = new OptdbMetrics();
  const summary = await ingestFiles(config, [chain, bars], { batchSize: 1_000, concurrency: 2, rejects, metrics });
  assert.deepEqual(
    [
      summary.dryRun,
      summary.rowsRead,
      summary.inserted,
      summary.rejected,
      summary.contractsCreated,
      summary.interrupted,
      summary.resumable,
    ],
    [false, chainRows + 3, chainRows + 2, 1, chainRows + 2, false, true],
  );
  assert.deepEqual(summary.changedRows, { option_snapshots: chainRows, option_day_aggs: 2, options: chainRows + 2 });
  assert.deepEqual(summary.analyzed?.sort(), ['option_snapshots', 'options'], 'the tables this ingest changed a lot are analyzed');
  assert.equal(await count(db.url, 'option_snapshots'), chainRows);
  assert.equal(await count(db.url, 'option_day_aggs'), 2);
  assert.equal(await count(db.url, 'options'), chainRows + 2);
  assert.ok((await count(db.url, 'import_batches')) >= 2, 'every batch is in the ledger');
  const [reject] = (await fs.readFile(rejects, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { reason: string });
  assert.match(reject!.reason, /close 3\.00 outside \[low 1\.00, high 2\.05\]/);
  assert.equal(samples(await metrics.exposition()).get('optdb_rows_written_total{outcome="inserted"}'), chainRows + 2);
  assert.equal(await connectionsLeft(db.url, db.name), 0, 'the pool is closed when the job returns');

  // The same files again: the ledger says every batch is committed.
  const again = await ingestFiles(config, [chain, bars], { batchSize: 1_000 });
  assert.deepEqual([again.skipped, again.inserted, again.rejected], [chainRows + 2, 0, 1]);
  assert.equal(await count(db.url, 'option_snapshots'), chainRows);
});

test('ingestFiles honours its signal: stopped after the first progress, what was read is committed, a rerun resumes after it', async () => {
  const db = await databases.migrated('library_jobs_signal');
  const config = configFor(db.url);
  const bars = `${dir.path}/signal-bars.csv`;
  const { rows } = await writeSample({ underlyings: 6, contracts: 12_000, date: '2025-11-20', seed: 5, out: bars, format: 'day-aggs-csv' });
  assert.ok(rows > 4_000, `only ${rows} bars`);

  const stop = new AbortController();
  const first = await ingestFiles(config, [bars], { batchSize: 500, onProgress: () => stop.abort(), signal: stop.signal });
  assert.equal(first.interrupted, true);
  assert.ok(first.rowsRead < rows, `read all ${rows} rows`);
  assert.equal(first.inserted, first.rowsRead, 'every row read was written');
  assert.equal(first.analyzed, undefined, 'an interrupted ingest leaves ANALYZE to autovacuum');
  assert.equal(await count(db.url, 'option_day_aggs'), first.inserted);

  const rest = await ingestFiles(config, [bars], { batchSize: 500 });
  assert.deepEqual([rest.interrupted, rest.skipped, rest.inserted], [false, first.inserted, rows - first.inserted]);
  assert.equal(await count(db.url, 'option_day_aggs'), rows);
});

test('ingestFiles refuses an unmigrated database before writing, and a stop carries its summary', async () => {
  const empty = await databases.empty('library_jobs_unmigrated');
  const bars = await dir.write(
    'one-bar.csv',
    'ticker,volume,open,close,high,low,window_start,transactions\nO:ZZZ251121C00600000,1,1,1,1,1,1763614800000000000,1\n',
  );
  await assert.rejects(ingestFiles(configFor(empty.url), [bars]), /The database schema is not up to date/);
  await assert.rejects(ingestFiles(configFor(empty.url), [bars, bars], { importId: 'one' }), /--import-id names one input, got 2/);

  const db = await databases.migrated('library_jobs_stopped');
  const bad = await dir.write(
    'bad-bars.csv',
    'ticker,volume,open,close,high,low,window_start,transactions\nO:ZZZ251121C00600000,1,1,9,1,1,1763614800000000000,1\n',
  );
  await assert.rejects(ingestFiles(configFor(db.url), [bars, bad], { maxRejects: { count: 0 } }), (error: unknown) => {
    assert.ok(error instanceof IngestStopped);
    assert.deepEqual([error.code, error.summary.inserted, error.summary.rejected], ['TOO_MANY_REJECTS', 1, 1]);
    return true;
  });
  assert.equal(await count(db.url, 'option_day_aggs'), 1, 'the rows before the stop are committed');
});

test(
  'runPoll once against an API server, then syncContracts: rows stored, cycle reported, connections closed',
  { timeout: 60_000 },
  async (t) => {
    const chains = { AAPL: sampleChain('AAPL', 300), 'I:SPX': [DOCUMENTED_RESULT, ...sampleChain('I:SPX', 20)] };
    const server = await PolygonServer.start({ apiKey: KEY, chains, contracts: referenceContracts('SPY', 1_200), today: SAMPLE_DATE });
    t.after(() => server.close());
    const db = await databases.migrated('library_jobs_poll');
    const config = configFor(db.url);
    const underlyings = await resolveUnderlyings({ underlyings: 'aapl,I:SPX' });
    const api = { apiKey: KEY, baseUrl: server.baseUrl };

    const cycles: CycleResult[] = [];
    const metrics = new OptdbMetrics();
    const summary = await runPoll(config, {
      underlyings,
      once: true,
      at: new Date('2026-11-27T15:05:00Z'),
      api,
      metrics,
      onCycle: (result) => void cycles.push(result),
    });
    assert.deepEqual(summary, { cycles: 1, failedUnderlyings: 0, marketClosed: false });
    assert.equal(cycles.length, 1);
    assert.deepEqual(
      [cycles[0]!.capturedAt, cycles[0]!.underlyings, cycles[0]!.rowsWritten, cycles[0]!.rejected],
      ['2026-11-27T15:05:00.000000Z', 2, 321, 0],
    );
    assert.equal(await count(db.url, `option_snapshots WHERE captured_at = '2026-11-27T15:05:00Z'`), 321);
    assert.equal(await count(db.url, `options WHERE underlying_ticker = 'AAPL'`), 300);
    assert.equal(samples(await metrics.exposition()).get('optdb_rows_written_total{outcome="inserted"}'), 321);
    assert.equal(await connectionsLeft(db.url, db.name), 0);

    // A repeating poll whose signal is already aborted polls nothing.
    const stopped = await runPoll(config, { underlyings, every: '1s', api, signal: AbortSignal.abort() });
    assert.deepEqual(stopped, { cycles: 0, failedUnderlyings: 0, marketClosed: false });

    const synced = await syncContracts(config, { underlyings: await resolveUnderlyings({ underlyings: 'SPY' }), api });
    assert.deepEqual(
      [synced.underlyings, synced.listed, synced.created, synced.failed.length, synced.interrupted],
      [1, 1_200, 1_200, 0, false],
    );
    assert.equal(await count(db.url, `options WHERE underlying_ticker = 'SPY'`), 1_200);
    assert.equal(await connectionsLeft(db.url, db.name), 0);
  },
);

test('checkDatabase: the doctor on a Config, each result handed on as it comes', async () => {
  const db = await databases.migrated('library_jobs_doctor');
  const seen: string[] = [];
  const report = await checkDatabase(configFor(db.url), { onResult: (check) => void seen.push(check.id) });
  assert.deepEqual(
    seen,
    report.checks.map((check) => check.id),
  );
  const status = (id: string) => report.checks.find((check) => check.id === id)?.status;
  assert.equal(status('connectivity'), 'pass');
  assert.equal(status('migrations.applied'), 'pass');
  assert.ok(report.checks.length > 5);
});

test('runLoadtest from a Config alone: the configured database, its rows reported and cleaned up', { timeout: 60_000 }, async () => {
  const db = await databases.migrated('library_jobs_loadtest');
  const report = await runLoadtest({ config: configFor(db.url), paths: ['buffer'], tasks: [4], limit: 2, durationMs: 300, maxMinutes: 1 });
  assert.deepEqual(
    report.steps.map(({ target, path, tasks }) => `${target} ${path} ${tasks}`),
    ['direct buffer 4'],
  );
  assert.ok(report.steps[0]!.rows > 0);
  assert.equal(await count(db.url, `options WHERE underlying_ticker = 'OPTDB'`), 0, "the load test's contracts are gone");
});

test('ingestFiles and checkFiles refuse a rejects file that is one of the inputs, before reading or writing anything', async () => {
  const db = await databases.migrated('library_jobs_outputs');
  const input = await dir.write('input.ndjson', `${DOCUMENTED_RESULT}\n`);
  const refused = (error: unknown) =>
    error instanceof Error && (error as { code?: string }).code === 'CONFIG_INVALID' && /is also an input/.test(error.message);
  await assert.rejects(checkFiles([input], { rejects: input }), refused);
  await assert.rejects(ingestFiles(configFor(db.url), [input], { rejects: input }), refused);
  assert.equal(await fs.readFile(input, 'utf8'), `${DOCUMENTED_RESULT}\n`);
  const [{ n }] = await query(db.url, 'SELECT count(*)::int AS n FROM option_snapshots');
  assert.equal(n, 0);
});
