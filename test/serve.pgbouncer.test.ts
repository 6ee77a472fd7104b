/**
 * `optdb serve` through a real PgBouncer in transaction mode, with fewer server
 * connections (2) than concurrent requests: every request still answers, with the same
 * results as on a direct connection, and the read-only transaction's statement timeout
 * (SET LOCAL) does not stay on the server connections PgBouncer hands to others.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resolveConfig, serveApi } from '../src/index.js';
import { adminUrl, TestDatabases } from './harness/database.js';
import { type PgBouncer, startPgBouncer } from './harness/pgbouncer.js';
import { type ServedHistory, serveHistory } from './harness/served-history.js';
import { query } from './harness/sql.js';
import { useTempDirectory } from './harness/temp-dir.js';

const databases = new TestDatabases();
const dir = useTempDirectory('optdb-serve-pgbouncer-');
let history: ServedHistory;
let bouncer: PgBouncer;

before(async () => {
  history = await serveHistory(databases, dir, 'serve_pgbouncer');
  bouncer = await startPgBouncer(adminUrl(), { poolMode: 'transaction', defaultPoolSize: 2 });
});
after(async () => {
  await history?.server.close();
  await bouncer?.stop();
  await databases.dropAll();
});

test('concurrent requests through a transaction pooler all answer, as on a direct connection', async () => {
  const direct = history.config.databaseUrl!;
  const database = new URL(direct).pathname.slice(1);
  const config = resolveConfig({}, { DATABASE_URL: bouncer.url(database), DIRECT_URL: direct, OPTDB_POOL_SIZE: '8' });
  const pooled = await serveApi(config, { listen: { host: '127.0.0.1', port: 0 } });
  try {
    const paths = [
      '/v3/snapshot/options/AAPL?limit=250',
      '/v3/snapshot/options/AAPL?as_of=2025-11-20T15:30:00Z&sort=strike_price&limit=250',
      '/v3/snapshot/options/I:SPX/O:SPXW230712C04500000',
      '/v3/reference/options/contracts?underlying_ticker=AAPL&as_of=2025-11-20&limit=1000',
    ];
    const results = async (base: string, path: string) => {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 200, path);
      return ((await response.json()) as { results: unknown }).results;
    };
    const expected = await Promise.all(paths.map((path) => results(history.server.url, path)));
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => results(pooled.url, paths[i % paths.length]!)));
    answers.forEach((answer, i) => assert.deepEqual(answer, expected[i % paths.length]));
  } finally {
    await pooled.close();
  }
  const [row] = await query(bouncer.url(database), 'SHOW statement_timeout');
  assert.equal(row.statement_timeout, '0', 'SET LOCAL ended with each transaction');
});
