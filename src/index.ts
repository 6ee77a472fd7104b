/** optdb's library API; the `optdb` CLI is a thin layer over it. */
export { type ApiEvent, type ApiPage, PolygonApiError, PolygonClient, type PolygonClientOptions } from './api/polygon-client.js';
export { type SyncOptions, type SyncSummary, syncContracts } from './contracts/contracts-sync.js';
export { type Config, type ConfigFlags, resolveConfig } from './config.js';
export { type DatabaseTarget, openDatabase } from './db/database.js';
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
export { OptdbError, type OptdbErrorCode } from './errors.js';
export type { CheckFamily, CheckResult, CheckStatus, DoctorContext } from './doctor/check.js';
export { CHECK_FAMILIES } from './doctor/check-families.js';
export { doctorExitCode, type DoctorReport, runDoctor } from './doctor/doctor.js';
export { explain, type ExplainResult, type Explanation, type Suggestion } from './explain/explain.js';
export { ingest, type IngestOptions, type IngestProgress, type IngestSummary, type MaxRejects } from './ingest/pipeline.js';
export { type Reject, RejectSink } from './ingest/rejects.js';
export { LOADTEST_DEFAULTS, type LoadtestOptions, type LoadtestReport, runLoadtest } from './loadtest/loadtest.js';
export { isRegularTradingHours, nextSessionOpen, tradingSession } from './poll/market-hours.js';
export { runCycle, type CycleResult } from './poll/poll-cycle.js';
export { poll, type PollOptions, type PollSummary } from './poll/poller.js';
export { writeSample } from './sample/generate-sample.js';
export { openSource } from './sources/open-source.js';
export type { InputFormat, OpenedSource, SourceRecord } from './sources/source-record.js';
export { type Batch, Batcher, type BatchLimits, DEFAULT_BATCH_LIMITS } from './write/batch.js';
export { createStrategy } from './write/create-strategy.js';
export { STRATEGY_NAMES, type StrategyName, type WriteCounts, type WriteStrategy } from './write/strategy.js';
export { OptdbMetrics } from './metrics/optdb-metrics.js';
export { type ListenAddress, type MetricsServer, serveMetrics } from './metrics/metrics-server.js';
export { type GateEvent, type LimitSteps, WriteGate, type WriteGateOptions } from './write/write-gate.js';
export { type RowOutcome, WriteBuffer, type WriteBufferOptions } from './write/write-buffer.js';
export { dayAggWriteBuffer, snapshotWriteBuffer } from './write/write-buffers.js';
export { redactText, redactUrl } from './redact.js';
