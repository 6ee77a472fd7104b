/**
 * Database health beyond statistics: the upkeep a table of
 * hundreds of millions of snapshot rows needs — dead rows autovacuum has not reclaimed,
 * transaction-ID age, how often reads are served from memory, sizes, and indexes that are
 * invalid or duplicated. Thresholds follow what PostgreSQL health tools use (PgHero,
 * check_postgres, postgres_exporter).
 */
import type pg from 'pg';
import type { CheckFamily, CheckResult, CheckStatus } from './check.js';
import { unlessLockWait } from './lock-wait.js';
import { OPTDB_TABLES } from './optdb-tables.js';
import { LOADING_TABLE_PREFIX } from '../db/day-partitions.js';
import { LOAD_OWNER_PREFIX } from '../write/day-load.js';
import { CACHE_HITS, DAY_LOADS, DEAD_ROWS, DUPLICATE_INDEXES, INVALID_INDEXES, SIZES, XID_AGE } from './sql/maintenance.js';

export const MAINTENANCE_THRESHOLDS = Object.freeze({
  /** Dead rows above this share of live rows… */
  deadShare: 0.2,
  /** …and above this count (small tables are vacuumed soon enough). */
  minDeadRows: 10_000,
  /** Wraparound happens at 2^31 transactions; warn at half of it, fail at three quarters. */
  wraparound: 2 ** 31,
  xidWarnShare: 0.5,
  xidFailShare: 0.75,
  /** Below this share of blocks served from shared buffers, the working set does not fit. */
  minHitRatio: 0.99,
  /** Fewer blocks than this say nothing about the hit ratio (a fresh server, a quiet table). */
  minBlocksToJudge: 10_000,
});

export const maintenance: CheckFamily = {
  name: 'maintenance',
  async run({ pool }) {
    // The sizes are read through pg_total_relation_size(), which opens each table with
    // AccessShareLock: behind an ACCESS EXCLUSIVE lock that check alone gives up and names
    // the holder, and the others, read from catalogs and statistics views, still answer.
    const checks = {
      'maintenance.dead-rows': deadRows,
      'maintenance.xid-age': xidAge,
      'maintenance.cache-hit': cacheHit,
      'maintenance.sizes': sizes,
      'maintenance.indexes': indexes,
      'maintenance.day-loads': dayLoads,
    };
    const results: CheckResult[] = [];
    for (const [id, check] of Object.entries(checks)) results.push(await unlessLockWait(id, pool, () => check(pool)));
    return results;
  },
};

const tables = [[...OPTDB_TABLES]];

export function deadRowsStatus(live: number, dead: number): CheckStatus {
  return dead > MAINTENANCE_THRESHOLDS.minDeadRows && dead > live * MAINTENANCE_THRESHOLDS.deadShare ? 'warn' : 'pass';
}

async function deadRows(pool: pg.Pool): Promise<CheckResult> {
  const id = 'maintenance.dead-rows';
  const rows = (
    await pool.query<{ table: string; live: number; dead: number; last_vacuum: Date | null; autovacuum_enabled: boolean }>(
      DEAD_ROWS,
      tables,
    )
  ).rows;
  const details = {
    tables: rows.map((r) => ({
      table: r.table,
      live: r.live,
      dead: r.dead,
      lastVacuum: r.last_vacuum?.toISOString() ?? null,
      autovacuumEnabled: r.autovacuum_enabled,
    })),
  };
  const listing = rows.map((r) => `${r.table} ${r.dead} dead / ${r.live} live`).join(', ');
  const bloated = rows.filter((r) => deadRowsStatus(r.live, r.dead) === 'warn');
  if (bloated.length === 0) return { id, status: 'pass', summary: listing || "none of optdb's tables exist yet", details };
  const describe = (r: (typeof rows)[number]) =>
    `${r.table}: ${r.dead} dead rows = ${Math.round((r.dead / Math.max(r.live, 1)) * 100)} % of ${r.live} live, last vacuum ${r.last_vacuum?.toISOString() ?? 'never'}${r.autovacuum_enabled ? '' : ', autovacuum disabled on the table'}`;
  const disabled = bloated.filter((r) => !r.autovacuum_enabled).map((r) => r.table);
  return {
    id,
    status: 'warn',
    summary: bloated.map(describe).join('; '),
    remedy: `VACUUM (ANALYZE) ${bloated.map((r) => r.table).join(', ')}${disabled.length > 0 ? `; re-enable autovacuum: ${disabled.map((t) => `ALTER TABLE ${t} RESET (autovacuum_enabled)`).join('; ')}` : '; if it recurs, make autovacuum visit sooner (ALTER TABLE … SET (autovacuum_vacuum_scale_factor = 0.05))'}`,
    details,
  };
}

export function xidAgeStatus(age: number): CheckStatus {
  const share = age / MAINTENANCE_THRESHOLDS.wraparound;
  return share >= MAINTENANCE_THRESHOLDS.xidFailShare ? 'fail' : share >= MAINTENANCE_THRESHOLDS.xidWarnShare ? 'warn' : 'pass';
}

async function xidAge(pool: pg.Pool): Promise<CheckResult> {
  const id = 'maintenance.xid-age';
  const [row] = (
    await pool.query<{ age: number; freeze_max_age: number; oldest_table: string | null; oldest_table_age: number | null }>(XID_AGE)
  ).rows;
  const { age, freeze_max_age: freezeMaxAge, oldest_table: oldestTable, oldest_table_age: oldestTableAge } = row!;
  const percent = ((age / MAINTENANCE_THRESHOLDS.wraparound) * 100).toFixed(1);
  const details = {
    age,
    wraparound: MAINTENANCE_THRESHOLDS.wraparound,
    percentOfWraparound: Number(percent),
    autovacuumFreezeMaxAge: freezeMaxAge,
    oldestTable,
    oldestTableAge,
  };
  const forced = age > freezeMaxAge ? ', past autovacuum_freeze_max_age: anti-wraparound autovacuum should be running' : '';
  const summary = `transaction ID age ${age} = ${percent} % of the 2^31 wraparound limit (autovacuum_freeze_max_age ${freezeMaxAge}; oldest table ${oldestTable ?? 'n/a'} at ${oldestTableAge ?? 'n/a'})${forced}`;
  const status = xidAgeStatus(age);
  if (status === 'pass') return { id, status, summary, details };
  return {
    id,
    status,
    summary,
    remedy: `VACUUM (FREEZE, VERBOSE) ${oldestTable ?? 'the oldest tables'} now; find what holds back freezing: long transactions, prepared transactions (pg_prepared_xacts), stale replication slots (pg_replication_slots)`,
    details,
  };
}

export function hitRatioStatus(hit: number, read: number): CheckStatus {
  const blocks = hit + read;
  return blocks > MAINTENANCE_THRESHOLDS.minBlocksToJudge && hit / blocks < MAINTENANCE_THRESHOLDS.minHitRatio ? 'warn' : 'pass';
}

async function cacheHit(pool: pg.Pool): Promise<CheckResult> {
  const id = 'maintenance.cache-hit';
  const [row] = (await pool.query<{ heap_hit: number; heap_read: number; index_hit: number; index_read: number }>(CACHE_HITS, tables)).rows;
  const { heap_hit: heapHit, heap_read: heapRead, index_hit: indexHit, index_read: indexRead } = row!;
  const ratio = (hit: number, read: number) => (hit + read === 0 ? null : hit / (hit + read));
  const details = {
    heapHit,
    heapRead,
    indexHit,
    indexRead,
    heapRatio: ratio(heapHit, heapRead),
    indexRatio: ratio(indexHit, indexRead),
    minBlocksToJudge: MAINTENANCE_THRESHOLDS.minBlocksToJudge,
  };
  const part = (hit: number, read: number) => {
    const r = ratio(hit, read);
    const judged = hit + read > MAINTENANCE_THRESHOLDS.minBlocksToJudge ? '' : ', too few to judge';
    return `${r === null ? 'n/a' : r.toFixed(4)} (${hit + read} blocks${judged})`;
  };
  const summary = `cache hit ratio of optdb's tables: heap ${part(heapHit, heapRead)}, indexes ${part(indexHit, indexRead)}`;
  const low = hitRatioStatus(heapHit, heapRead) === 'warn' || hitRatioStatus(indexHit, indexRead) === 'warn';
  if (!low) return { id, status: 'pass', summary, details };
  return {
    id,
    status: 'warn',
    summary: `${summary}: below ${MAINTENANCE_THRESHOLDS.minHitRatio}, reads go to disk`,
    remedy:
      "raise shared_buffers (about 25 % of RAM) or the server's memory; check that reads use indexes (doctor's plans check) instead of scanning whole tables",
    details,
  };
}

async function sizes(pool: pg.Pool): Promise<CheckResult> {
  const rows = (
    await pool.query<{ table: string; total_bytes: number; heap_bytes: number; index_bytes: number; total: string; indexes: string }>(
      SIZES,
      tables,
    )
  ).rows;
  const totalBytes = rows.reduce((sum, r) => sum + r.total_bytes, 0);
  return {
    id: 'maintenance.sizes',
    status: 'pass',
    summary:
      rows.length === 0 ? "none of optdb's tables exist yet" : rows.map((r) => `${r.table} ${r.total} (indexes ${r.indexes})`).join(', '),
    details: {
      totalBytes,
      tables: rows.map((r) => ({ table: r.table, totalBytes: r.total_bytes, heapBytes: r.heap_bytes, indexBytes: r.index_bytes })),
    },
  };
}

async function indexes(pool: pg.Pool): Promise<CheckResult> {
  const id = 'maintenance.indexes';
  const invalid = (await pool.query<{ index: string; table: string }>(INVALID_INDEXES, tables)).rows;
  const duplicates = (await pool.query<{ table: string; indexes: string[]; droppable: string[] | null }>(DUPLICATE_INDEXES, tables)).rows;
  const details = { invalid, duplicates: duplicates.map((d) => ({ table: d.table, indexes: d.indexes })) };
  if (invalid.length > 0) {
    return {
      id,
      status: 'fail',
      summary: `invalid index(es) ${invalid.map((i) => `${i.index} on ${i.table}`).join(', ')}: never used by the planner, still written on every insert (a failed CREATE INDEX CONCURRENTLY, or one running right now)${duplicates.length > 0 ? `; also duplicates: ${duplicates.map((d) => d.indexes.join(' = ')).join(', ')}` : ''}`,
      remedy: `unless a CREATE INDEX CONCURRENTLY is running now: ${invalid.map((i) => `DROP INDEX CONCURRENTLY ${i.index}`).join('; ')} — then create it again, or REINDEX INDEX CONCURRENTLY it (fix what made it fail first, e.g. duplicate values for a unique index)`,
      details,
    };
  }
  if (duplicates.length > 0) {
    // Keep one of each group: a constraint's index if there is one, else the oldest.
    const drop = duplicates.flatMap((d) => (d.droppable?.length === d.indexes.length ? d.droppable.slice(1) : (d.droppable ?? [])));
    return {
      id,
      status: 'warn',
      summary: `duplicate indexes (same table, columns, expressions and predicate): ${duplicates.map((d) => `${d.indexes.join(' = ')} on ${d.table}`).join('; ')} — every write maintains each of them`,
      remedy:
        drop.length > 0
          ? drop.map((name) => `DROP INDEX CONCURRENTLY ${name}`).join('; ')
          : 'drop one of each group (each backs a constraint: drop the redundant constraint)',
      details,
    };
  }
  return { id, status: 'pass', summary: "no invalid or duplicate indexes on optdb's tables", details };
}

/**
 * A day load not attached holds committed rows that option_day_aggs does not show yet: an
 * ingest under way attaches it when its input ends; one that was killed left it for the
 * same input, run again, to finish.
 */
async function dayLoads(pool: pg.Pool): Promise<CheckResult> {
  const id = 'maintenance.day-loads';
  const loads = (await pool.query<{ table: string; rows: number; owner: string | null }>(DAY_LOADS, [LOADING_TABLE_PREFIX])).rows;
  const details = { loads };
  if (loads.length === 0) return { id, status: 'pass', summary: 'no day load waiting to be attached', details };
  const inputOf = (owner: string | null) => {
    const identity = owner?.startsWith(LOAD_OWNER_PREFIX) ? owner.slice(LOAD_OWNER_PREFIX.length) : undefined;
    // An import identity is `path|size|hash`; a run's own token names no input.
    return identity?.includes('|') ? identity.split('|')[0] : undefined;
  };
  const describe = (load: (typeof loads)[number]) => {
    const input = inputOf(load.owner);
    return `${load.table} (about ${Math.round(load.rows)} rows, ${input === undefined ? 'of an input without an identity' : `of ${input}`})`;
  };
  const resumable = loads.filter((load) => inputOf(load.owner) !== undefined);
  const orphaned = loads.filter((load) => inputOf(load.owner) === undefined);
  const remedies = [
    ...(resumable.length > 0
      ? [
          `unless an ingest of it is running now, run \`optdb ingest\` of ${resumable.map((load) => inputOf(load.owner)).join(', ')} again: it skips the committed batches, loads the rest and attaches the day`,
        ]
      : []),
    ...(orphaned.length > 0
      ? [
          `a load of an input without an identity cannot be resumed: DROP TABLE ${orphaned.map((load) => load.table).join(', ')} and ingest that input again`,
        ]
      : []),
  ];
  return {
    id,
    status: 'warn',
    summary: `committed rows not yet visible in option_day_aggs, in day load(s) not attached: ${loads.map(describe).join('; ')}`,
    remedy: remedies.join('; '),
    details,
  };
}
