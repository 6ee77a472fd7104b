/**
 * `optdb ingest --metrics-file`: the Prometheus file agrees with the summary and with
 * what the database did — including retries and refused rows by SQLSTATE, caused for
 * real by triggers on the test database.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { resolveConfig } from '../src/config.js';
import { writeSample } from '../src/sample/generate-sample.js';
import { runCli } from './harness/cli.js';
import { TestDatabases } from './harness/database.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';
import { samples } from './harness/prometheus.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-metrics-');
after(() => databases.dropAll());

test('the metrics file counts rows, batches, retries and refusals by SQLSTATE', async () => {
  const db = await databases.migrated('metrics_ingest');
  const bars = path.join(dir.path, 'bars.csv');
  const { rows } = await writeSample({ out: bars, format: 'day-aggs-csv', underlyings: 2, contracts: 3_000, date: '2025-11-20', seed: 4 });
  // One unreadable row (a validation reject) and three the database will refuse.
  const refusedRows = ['C00100000', 'C00105000', 'P00100000'].map((tail) => `O:ZZZ251121${tail},7777777,1,1,1,1,1763614800000000000,5`);
  await fs.appendFile(bars, ['O:NOPE,1,2,3,4,5,notatime,6', ...refusedRows].join('\n') + '\n');
  // The first write statement of each of the first two attempts meets a deadlock (a
  // sequence counts them: it is not rolled back with the failed transaction).
  await query(
    db.url,
    `CREATE SEQUENCE fault_count;
     CREATE FUNCTION deadlock_twice() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF nextval('fault_count') <= 2 THEN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END IF;
       RETURN NULL;
     END $$;
     CREATE TRIGGER deadlock_twice BEFORE INSERT ON option_day_aggs FOR EACH STATEMENT EXECUTE FUNCTION deadlock_twice();
     CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.volume = 7777777 THEN RAISE EXCEPTION 'volume refused' USING ERRCODE = '23514'; END IF;
       RETURN NEW;
     END $$;
     CREATE TRIGGER refuse_marked BEFORE INSERT ON option_day_aggs FOR EACH ROW EXECUTE FUNCTION refuse_marked();`,
  );
  const metricsFile = path.join(dir.path, 'ingest.prom');
  const result = await runCli(['ingest', bars, '--json', '--batch-size', '500', '--metrics-file', metricsFile], { DATABASE_URL: db.url });
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout) as Record<string, number>;
  const exposition = await fs.readFile(metricsFile, 'utf8');
  const values = samples(exposition);
  const [{ stored }] = await query(db.url, 'SELECT count(*)::int AS stored FROM option_day_aggs');
  assert.equal(summary.rejected, 1 + refusedRows.length);

  assert.equal(values.get('optdb_rows_read_total'), rows + 1 + refusedRows.length);
  assert.equal(values.get('optdb_rows_written_total{outcome="inserted"}'), stored);
  assert.equal(values.get('optdb_rows_written_total{outcome="inserted"}'), summary.inserted);
  assert.equal(values.get('optdb_rows_rejected_total{stage="validation"}'), 1);
  assert.equal(values.get('optdb_rows_rejected_total{stage="database"}'), refusedRows.length);
  assert.equal(values.get('optdb_retries_total{code="40P01"}'), 2);
  assert.ok(values.get('optdb_errors_total{code="40P01"}')! >= 2);
  assert.ok(values.get('optdb_errors_total{code="23514"}')! >= refusedRows.length);
  assert.equal(values.get('optdb_batch_duration_seconds_count{strategy="copy"}'), summary.batches);
  assert.equal(values.get('optdb_gate_in_flight'), 0, 'nothing runs once the ingest ended');
  assert.equal(values.get('optdb_gate_limit'), resolveConfig({}, {}).writeConcurrency, 'the default write concurrency');
  assert.match(exposition, /# TYPE optdb_batch_duration_seconds histogram/);
});
