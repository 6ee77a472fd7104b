/**
 * A new trading day's bars, loaded the way the server loads fastest: into a bare table of
 * their own (`option_day_aggs_load_20251120`: no key, no index, no foreign key), then
 * attached whole as the day's partition, where the key and index are built and the
 * foreign key checked once for all rows. Kept row by row — the way rows reach a table
 * that has them — the key costs several times the insert, and the foreign key check more
 * (one lookup in `options` per row).
 *
 * A day is loaded this way only when it has no partition yet: its keys cannot exist, so
 * every row is an insert, as on any other path. Each batch is still its own transaction
 * with its ledger row, and writes its contracts first; until the attach its rows are
 * committed but not visible in option_day_aggs. The attach happens when the input ends
 * (or stops); an input interrupted before, run again, finds its loading table by its
 * identity (the table's comment) and attaches it after loading what it had not.
 *
 * A table with triggers of its own is never loaded this way: they must see every row.
 *
 * Only the input that started a day's load writes into it. Any other writer of that day
 * (another input, a poll) takes the ordinary path, which creates the day's partition; the
 * load then finds the day taken when it ends and merges its rows into it instead, as it
 * does when the same key came twice in the input (in different batches: the attach's
 * key cannot be built). The merge keeps, of two rows with one key, the one stored last.
 */
import pg from 'pg';
import {
  attachDay,
  createBareDayTable,
  createEmptyDayPartition,
  dayPartitions,
  holding,
  DAY_AGGS_TABLE,
  type DayPartitionSet,
  LOADING_TABLE_PREFIX,
  loadingTableName,
  lockDay,
} from '../db/day-partitions.js';
import { withPooledClient } from '../db/pool.js';
import { retryTransient } from '../db/retry.js';
import { DEFAULT_RETRY_LIMITS } from '../retry-limits.js';
import { inTransaction } from '../db/transaction.js';
import { PostgresError } from 'pg-error-enum';
import { upsertChangedRows } from './sql/upsert.js';
import { type CountCorrection, emptyCounts } from './strategy.js';
import { DAY_AGGS, type TableRow } from './tables.js';

/** How a load's table comment starts; the rest is its owner (an import identity, or a run's token). */
export const LOAD_OWNER_PREFIX = 'optdb load of ';

/** The one day all `rows` are of, or undefined. */
export function singleDay(rows: readonly TableRow[]): string | undefined {
  const day = rows[0]?.['day'];
  if (day === undefined || day === null) return undefined;
  for (let i = 1; i < rows.length; i++) if (rows[i]!['day'] !== day) return undefined;
  return day;
}

const LOADS_OF_OWNER = `
  SELECT c.relname AS name
  FROM pg_class c
  JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
    AND starts_with(c.relname, $1) AND d.description = $2`;

interface Load {
  readonly name: string;
  readonly owner: string;
  /** Rows this process committed into it. */
  rows: number;
}

// A trigger on the table (an audit, a check of the team's own) must see every row, and
// rows loaded apart reach the table by an attach, which fires none: such a table is
// written the ordinary way.
const HAS_TRIGGERS = `SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass($1) AND NOT tgisinternal) AS triggers`;

const LOAD_OWNER = `SELECT obj_description(to_regclass($1), 'pg_class') AS description`;

/** Loads of new days, by the inputs that own them (an input's import identity, or a run's own token). */
export class DayLoads {
  /** day → loading table, for the loads this process writes into (or asked to: concurrent batches ask once). */
  private readonly tables = new Map<string, Promise<Load | undefined>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: DayPartitionSet,
  ) {}

  /**
   * The loading table the rows of `day` go to for `owner`: one it loads already, or a new
   * one when the day has neither a partition nor another input's load. Undefined: write
   * the day the ordinary way.
   */
  async tableFor(day: string, owner: string): Promise<string | undefined> {
    let load = this.tables.get(day);
    if (!load) this.tables.set(day, (load = this.claim(day, owner)));
    const claimed = await load.catch(() => undefined);
    return claimed?.owner === owner ? claimed.name : undefined;
  }

  private async claim(day: string, owner: string): Promise<Load | undefined> {
    if (await this.partitions.has(day)) return undefined;
    const name = loadingTableName(day);
    const comment = `${LOAD_OWNER_PREFIX}${owner}`;
    const claimed = await withPooledClient(this.pool, (client) =>
      inTransaction(client, async () => {
        await lockDay(client, day);
        if (holding(await dayPartitions(client), day) !== undefined) return false;
        if ((await client.query<{ triggers: boolean }>(HAS_TRIGGERS, [DAY_AGGS_TABLE])).rows[0]!.triggers) return false;
        const { description } = (await client.query<{ description: string | null }>(LOAD_OWNER, [name])).rows[0]!;
        if (description !== null) return description === comment;
        await client.query(createBareDayTable(name));
        await client.query(`COMMENT ON TABLE ${pg.escapeIdentifier(name)} IS ${pg.escapeLiteral(comment)}`);
        return true;
      }),
    );
    return claimed ? { name, owner, rows: 0 } : undefined;
  }

  /** Counts rows this process committed into a day's load (after the batch's commit). */
  async loaded(day: string, rows: number): Promise<void> {
    const load = await this.tables.get(day);
    if (load) load.rows += rows;
  }

  /**
   * Attaches every load `owner` has — this process's and any an interrupted earlier run
   * left — or merges it where it cannot be attached. Returns how this run's counts change
   * for the rows it loaded itself (nothing when every load was attached).
   */
  async finish(owner: string): Promise<CountCorrection> {
    const correction: CountCorrection = { ...emptyCounts(), collapsed: 0 };
    // Each step is one statement or one transaction, whole or not at all: retried like the
    // ledger's statements when the server drops the connection or restarts.
    const names = await retryTransient(
      () =>
        withPooledClient(this.pool, (client) =>
          client.query<{ name: string }>(LOADS_OF_OWNER, [LOADING_TABLE_PREFIX, `${LOAD_OWNER_PREFIX}${owner}`]),
        ),
      DEFAULT_RETRY_LIMITS,
    );
    for (const { name } of names.rows) {
      const day = dayOfLoad(name);
      const rowsThisRun = (await this.tables.get(day)?.catch(() => undefined))?.rows ?? 0;
      const merged = await retryTransient(
        () => withPooledClient(this.pool, (client) => inTransaction(client, () => attachOrMerge(client, name, day))),
        DEFAULT_RETRY_LIMITS,
      );
      this.tables.delete(day);
      this.partitions.forget();
      if (merged && merged.rows === rowsThisRun) {
        // Counted as inserted when loaded: say what the merge made of them.
        correction.inserted += merged.inserted - merged.rows;
        correction.updated += merged.updated;
        correction.unchanged += merged.distinct - merged.inserted - merged.updated;
        correction.collapsed += merged.rows - merged.distinct;
      }
    }
    return correction;
  }
}

function dayOfLoad(name: string): string {
  const digits = name.slice(LOADING_TABLE_PREFIX.length);
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
}

interface Merged {
  readonly rows: number;
  readonly distinct: number;
  readonly inserted: number;
  readonly updated: number;
}

const SAVEPOINT = 'optdb_attach';

/** Attaches a load as its day's partition; when the day has one already or a key came twice, merges it into it (the counts). */
async function attachOrMerge(client: pg.PoolClient, name: string, day: string): Promise<Merged | undefined> {
  await lockDay(client, day);
  if (holding(await dayPartitions(client), day) === undefined) {
    await client.query(`SAVEPOINT ${SAVEPOINT}`);
    try {
      await attachDay(client, name, day);
      return undefined;
    } catch (error) {
      if ((error as { code?: unknown }).code !== PostgresError.UNIQUE_VIOLATION) throw error;
      await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    }
    await createEmptyDayPartition(client, day);
  }
  return mergeLoad(client, name);
}

/** Upserts a load's rows into option_day_aggs — of rows with one key, the one stored last — and drops it. */
async function mergeLoad(client: pg.PoolClient, name: string): Promise<Merged> {
  const table = pg.escapeIdentifier(name);
  const { rows, distinct } = (
    await client.query<{ rows: number; distinct: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT (ticker, day))::int AS distinct FROM ${table}`,
    )
  ).rows[0]!;
  const latest = `(SELECT DISTINCT ON (ticker, day) * FROM ${table} ORDER BY ticker, day, ctid DESC) AS s`;
  const upsert = upsertChangedRows(DAY_AGGS, latest);
  const { inserted, updated } = (await client.query<{ inserted: number; updated: number }>(upsert)).rows[0]!;
  await client.query(`DROP TABLE ${table}`);
  return { rows, distinct, inserted, updated };
}
