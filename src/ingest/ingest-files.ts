/**
 * The ingest job: files (or stdin) into the configured database, as `optdb ingest` runs
 * it. It checks the schema, opens the database (the embedded server when there is no
 * DATABASE_URL), one pool and the Prisma client over it, writes through the strategy
 * chain with its fallbacks, records every batch in the ledger so that a rerun resumes,
 * ANALYZEs the tables it changed a lot, and closes all of it however it ends.
 *
 * `checkFiles` is the same run without a database: parse and validate only.
 */
import { type Config, requireConcurrencyWithinPool } from '../config.js';
import { type DatabaseHooks, withDatabase } from '../db/database.js';
import { openConnections } from '../db/pool.js';
import { requireMigratedSchema } from '../db/schema-check.js';
import type { AnalyzeResult } from '../db/table-statistics.js';
import { parseResolution } from '../domain/timestamp.js';
import { OptdbError } from '../errors.js';
import type { OptdbMetrics } from '../metrics/optdb-metrics.js';
import { retryLimitsFrom } from '../retry-limits.js';
import { requireReadable } from '../sources/input-stream.js';
import type { InputFormat } from '../sources/source-record.js';
import { DEFAULT_BATCH_LIMITS } from '../write/batch.js';
import { createStrategyChain } from '../write/create-strategy.js';
import { loadCommittedRanges, recordBatch } from '../write/ledger.js';
import type { StrategyName } from '../write/strategy.js';
import { limitStepsFrom } from '../write/write-gate.js';
import type { WriteEvent } from '../write/writer.js';
import { ingest, type IngestOptions, type IngestProgress, type IngestSummary, type MaxRejects } from './pipeline.js';
import { refreshStatistics } from './refresh-statistics.js';
import { RejectSink } from './rejects.js';
import { refuseOutputsThatAreInputs } from '../output-file.js';

/** Capture times taken from the rows themselves are truncated to this step unless `resolutionMicros` says otherwise. */
export const DEFAULT_RESOLUTION = '1m';

export interface CheckFilesOptions {
  /** Detected from each input's name and first bytes when omitted. */
  readonly format?: InputFormat | undefined;
  /** Rows per batch (default DEFAULT_BATCH_LIMITS.maxRows). */
  readonly batchSize?: number | undefined;
  /** Rejected rows, with their reasons, go to this NDJSON file. */
  readonly rejects?: string | undefined;
  /** Stop once more rows than this are rejected. */
  readonly maxRejects?: MaxRejects | undefined;
  /** One capture time for every snapshot row (Unix µs), instead of the newest timestamp in the row. */
  readonly capturedAtMicros?: bigint | undefined;
  /** Capture times are truncated to this step (µs): default DEFAULT_RESOLUTION for times from the rows, none for `capturedAtMicros`. */
  readonly resolutionMicros?: bigint | undefined;
  /** The (single) input is recorded under this identity for resuming, instead of its path, size and the hash of its first MB. */
  readonly importId?: string | undefined;
  /** What `-` reads (default process.stdin). */
  readonly stdin?: NodeJS.ReadableStream | undefined;
  /** Rows, batches, retries and errors by SQLSTATE are counted here. */
  readonly metrics?: OptdbMetrics | undefined;
  /** Stops reading; the rows read so far are written, and the summary is marked `interrupted`. */
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: IngestProgress) => void) | undefined;
  /** Called as the run starts with a way to read its summary so far: for a caller that must report even when it cannot wait for the end. */
  readonly onStarted?: ((summarySoFar: () => IngestSummary) => void) | undefined;
}

export interface IngestFilesOptions extends CheckFilesOptions, DatabaseHooks {
  /** The first write strategy (default copy); simpler ones take over batches that keep hitting planner errors. */
  readonly strategy?: StrategyName | undefined;
  /** Batches written at once (default OPTDB_WRITE_CONCURRENCY); at most the pool size. */
  readonly concurrency?: number | undefined;
  /** false: leave the tables this ingest changed a lot to autovacuum instead of analyzing them at the end. */
  readonly analyze?: boolean | undefined;
  /** Retries, splits, fallbacks, limit changes, queue pressure and slow writes, as they happen. */
  readonly onWriteEvent?: ((event: WriteEvent) => void) | undefined;
  /** A table whose closing ANALYZE did not finish: its rows are committed, autovacuum analyzes it later. */
  readonly onAnalyzeFailed?: ((failure: AnalyzeResult['failed'][number]) => void) | undefined;
}

/**
 * Ingests `inputs` (paths; `-` reads stdin) into the configured database. A stop (too
 * many rejects, a batch that cannot be written) throws IngestStopped, which carries the
 * summary of what was committed until then.
 */
export async function ingestFiles(config: Config, inputs: readonly string[], options: IngestFilesOptions = {}): Promise<IngestSummary> {
  await checkInputsAndOutputs(inputs, options);
  const concurrency = options.concurrency ?? config.writeConcurrency;
  requireConcurrencyWithinPool(concurrency, config);
  return withDatabase(
    config,
    async (database) => {
      await requireMigratedSchema(database.directUrl);
      const { pool, prisma, close } = openConnections(database.url, config);
      // The server processes that write, so that the closing ANALYZE can wait for their statistics.
      const writerPids = new Set<number>();
      pool.on('connect', (client) => {
        // node-postgres keeps the server's process id from BackendKeyData (untyped).
        const pid = (client as unknown as { processID?: number }).processID;
        if (pid !== undefined) writerPids.add(pid);
      });
      const unregister = options.registerCleanup?.(close);
      let summary: IngestSummary;
      try {
        await options.onDatabase?.(database);
        const retry = retryLimitsFrom(config);
        // Each input ends with its loads attached (IngestOptions.strategy.finishInput).
        const { strategy, fallbacks } = createStrategyChain(options.strategy ?? 'copy', pool, prisma, { loadNewDays: true });
        summary = await run(inputs, options, {
          strategy,
          fallbacks,
          retry,
          onEvent: options.onWriteEvent,
          limitSteps: limitStepsFrom(config),
          concurrency,
          ledger: {
            committedRanges: (importId) => loadCommittedRanges(pool, importId, retry),
            record: (entry) => recordBatch(pool, entry, retry),
          },
        });
      } finally {
        unregister?.();
        await close();
      }
      // Interrupted: the caller wants to stop; autovacuum analyzes in its own time.
      if (options.analyze === false || summary.interrupted) return summary;
      const { analyzed, failed } = await refreshStatistics(database.url, summary.changedRows, [...writerPids]);
      for (const failure of failed) options.onAnalyzeFailed?.(failure);
      return { ...summary, analyzed };
    },
    options,
  );
}

/** Parses and validates `inputs` as `ingestFiles` would, and writes nothing: no database is needed. */
export async function checkFiles(inputs: readonly string[], options: CheckFilesOptions = {}): Promise<IngestSummary> {
  await checkInputsAndOutputs(inputs, options);
  return run(inputs, options, { strategy: undefined, concurrency: 1 });
}

type WriteSettings = Pick<IngestOptions, 'strategy' | 'fallbacks' | 'retry' | 'onEvent' | 'limitSteps' | 'concurrency' | 'ledger'>;

async function run(inputs: readonly string[], options: CheckFilesOptions, writes: WriteSettings): Promise<IngestSummary> {
  const rejects = new RejectSink(options.rejects);
  try {
    return await ingest(inputs, {
      ...writes,
      metrics: options.metrics,
      batchLimits: { ...DEFAULT_BATCH_LIMITS, maxRows: options.batchSize ?? DEFAULT_BATCH_LIMITS.maxRows },
      snapshot: { capturedAtMicros: options.capturedAtMicros, resolutionMicros: resolutionOf(options) },
      snapshotReading: snapshotReading(options),
      format: options.format,
      rejects,
      maxRejects: options.maxRejects,
      stdin: options.stdin,
      onProgress: options.onProgress,
      importId: options.importId,
      signal: options.signal,
      onStarted: options.onStarted,
    });
  } finally {
    await rejects.close();
  }
}

/** Refused before anything is opened: what the options ask of the inputs that cannot be done safely. */
async function checkInputsAndOutputs(inputs: readonly string[], options: CheckFilesOptions): Promise<void> {
  requireOneInputForImportId(inputs, options);
  for (const input of inputs) if (input !== '-') await requireReadable(input);
  await refuseOutputsThatAreInputs(inputs, { '--rejects': options.rejects });
}

/** Two inputs under one identity would share their ledger rows: each would skip what the other committed. */
function requireOneInputForImportId(inputs: readonly string[], options: CheckFilesOptions): void {
  if (options.importId === undefined || inputs.length <= 1) return;
  throw new OptdbError('CONFIG_INVALID', `--import-id names one input, got ${inputs.length}.`, {
    remedy: 'Run one ingest per input, or drop --import-id.',
  });
}

/** How capture times are set, unless by default (from the rows, at DEFAULT_RESOLUTION). */
function snapshotReading(options: CheckFilesOptions): string | undefined {
  if (options.capturedAtMicros === undefined && options.resolutionMicros === undefined) return undefined;
  return `captured-at=${options.capturedAtMicros ?? 'from rows'}|resolution=${resolutionOf(options)}µs`;
}

/** A time the caller gave is kept to the microsecond unless a resolution is given; times from the rows default to DEFAULT_RESOLUTION. */
function resolutionOf(options: CheckFilesOptions): bigint {
  if (options.resolutionMicros !== undefined) return options.resolutionMicros;
  return options.capturedAtMicros !== undefined ? 1n : parseResolution(DEFAULT_RESOLUTION)!;
}
