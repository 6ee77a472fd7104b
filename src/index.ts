/**
 * optdb's library API; the `optdb` CLI is a thin layer over it.
 *
 * The jobs come first: each takes the resolved Config and one options object, opens what
 * it needs (the embedded server when there is no DATABASE_URL, one pool, the Prisma
 * client), closes it however the job ends, and stops gracefully when its `signal`
 * aborts. The building blocks below them serve a program that manages its own pool.
 */

// The jobs.
export { migrateDatabase, readMigrationStatus } from './db/database-migrations.js';
export { type DayPartitionInfo, dropDayPartitions, type DropOptions, listDayPartitions } from './db/partition-jobs.js';
export { checkFiles, type CheckFilesOptions, DEFAULT_RESOLUTION, ingestFiles, type IngestFilesOptions } from './ingest/ingest-files.js';
export { POLL_DEFAULTS, runPoll, type RunPollOptions } from './poll/run-poll.js';
export { type RejectedContract, type SyncOptions, type SyncSummary, syncContracts } from './contracts/contracts-sync.js';
export { checkDatabase, type CheckDatabaseOptions } from './doctor/check-database.js';
export { LOADTEST_DEFAULTS, type LoadtestOptions, type LoadtestReport, runLoadtest } from './loadtest/loadtest.js';
export { explain, type ExplainResult, type Explanation, type Suggestion } from './explain/explain.js';
export { writeSample } from './sample/generate-sample.js';
export { type ApiServer, type RequestLogEntry, serveApi, type ServeOptions } from './serve/serve-api.js';

// What the jobs take and report.
export { type Config, type ConfigFlags, resolveConfig } from './config.js';
export { type DatabaseHooks, type DatabaseTarget, openDatabase, withDatabase } from './db/database.js';
export { type ApiEvent, type ApiPage, PolygonApiError, PolygonClient, type PolygonClientOptions } from './api/polygon-client.js';
export { resolveUnderlyings, type UnderlyingSources } from './poll/watchlist.js';
export { IngestStopped, type IngestProgress, type IngestSummary, type MaxRejects } from './ingest/pipeline.js';
export type { CycleReject, CycleResult, FailedUnderlying } from './poll/poll-cycle.js';
export type { PollSummary, WaitReason } from './poll/poller.js';
export type { CheckFamily, CheckResult, CheckStatus, DoctorContext } from './doctor/check.js';
export { CHECK_FAMILIES } from './doctor/check-families.js';
export { doctorExitCode, type DoctorReport } from './doctor/doctor.js';
export type { WriteEvent } from './write/writer.js';
export { OPTDB_WARNING } from './warning.js';
export { OptdbError, type OptdbErrorCode } from './errors.js';
export { OptdbMetrics } from './metrics/optdb-metrics.js';
export { type ListenAddress, type MetricsServer, serveMetrics } from './metrics/metrics-server.js';

// Building blocks.
export { EmbeddedServer, type EmbeddedStatus } from './db/embedded-server.js';
export { type MigrationFile, readMigrationFiles } from './db/migration-files.js';
export { migrate, migrationStatus, type MigrateResult, type MigrationStatus } from './db/migrator.js';
export { createPool, createPrismaClient } from './db/pool.js';
export { findSchemaDrift } from './db/schema-drift.js';
export {
  formatTicker,
  isValidTicker,
  type OptionTicker,
  parseTicker,
  strikeFromThousandths,
  thousandthsFromStrike,
  type TickerResult,
} from './domain/ticker.js';
export { ingest, type IngestOptions } from './ingest/pipeline.js';
export { type Reject, RejectSink } from './ingest/rejects.js';
export { isRegularTradingHours, nextSessionOpen, tradingSession } from './poll/market-hours.js';
export { openSource } from './sources/open-source.js';
export type { InputFormat, OpenedSource, SourceRecord } from './sources/source-record.js';
export { type Batch, Batcher, type BatchLimits, DEFAULT_BATCH_LIMITS } from './write/batch.js';
export { createStrategy } from './write/create-strategy.js';
export { STRATEGY_NAMES, type StrategyName, type WriteCounts, type WriteStrategy } from './write/strategy.js';
export { DAY_AGGS, SNAPSHOTS, type TableSpec } from './write/tables.js';
export { validateDayAgg } from './domain/day-agg.js';
export { type BatchHandlers, Writer, type WriterOptions } from './write/writer.js';
export type { WriteMetrics } from './write/write-metrics.js';
export { type GateEvent, type LimitSteps, WriteGate, type WriteGateOptions } from './write/write-gate.js';
export { type RowOutcome, WriteBuffer, type WriteBufferOptions } from './write/write-buffer.js';
export { snapshotWriteBuffer } from './write/snapshot-buffer.js';
export { redactText, redactUrl } from './redact.js';
