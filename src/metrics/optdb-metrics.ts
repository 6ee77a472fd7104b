/**
 * optdb's metrics in the Prometheus exposition format (prom-client): what was read,
 * written and rejected, how long batches took, what the write gate is doing, and every
 * retry and error by SQLSTATE. One registry per instance (not prom-client's global one),
 * so several ingests in one process — or tests — never mix their numbers.
 *
 * `optdb ingest --metrics-file` writes them when the ingest ends, `optdb poll
 * --metrics-file` after every cycle (with the API's requests, retries and 429s too); with
 * `--metrics-listen` both serve them over HTTP while they run (metrics-server.ts), with
 * the process's own CPU, memory and event-loop metrics added.
 *
 * The writers report to it through their own interface (write/write-metrics.ts), which it
 * implements: they never import this layer.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ApiEvent } from '../api/api-events.js';
import type { ResilienceEvent } from '../write/resilience.js';
import type { StrategyName, WriteCounts } from '../write/strategy.js';
import type { GateEvent, WriteGate } from '../write/write-gate.js';
import type { WriteMetrics } from '../write/write-metrics.js';

// From a single-row write (~1 ms) to a batch retried through a server restart (minutes).
const BATCH_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
// From a handful of underlyings on a paid plan (< 1 s) to hundreds on a throttled key (minutes).
const CYCLE_SECONDS_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export class OptdbMetrics implements WriteMetrics {
  readonly registry = new Registry();
  private readonly gates = new Set<WriteGate>();

  readonly rowsRead = new Counter({ name: 'optdb_rows_read_total', help: 'Input rows read', registers: [this.registry] });
  readonly rowsWritten = new Counter({
    name: 'optdb_rows_written_total',
    help: 'Rows written to the database, by outcome (inserted, updated, unchanged)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly rowsRejected = new Counter({
    name: 'optdb_rows_rejected_total',
    help: 'Rows rejected, by stage (validation: bad input; database: refused by the server)',
    labelNames: ['stage'] as const,
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'optdb_batch_duration_seconds',
    help: 'Time to write one batch, retries included, by write strategy',
    labelNames: ['strategy'] as const,
    buckets: BATCH_SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'optdb_retries_total',
    help: 'Batch write attempts retried, by SQLSTATE (or node error code)',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'optdb_errors_total',
    help: 'Database errors met while writing (retried, split, fell back, refused rows, or fatal), by SQLSTATE',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly limitChanges = new Counter({
    name: 'optdb_gate_limit_changes_total',
    help: 'Changes of the write gate limit, by reason (requested, overload, recovery)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly queuePressure = new Counter({
    name: 'optdb_gate_queue_pressure_total',
    help: 'Times the write gate queue exceeded 5x its limit',
    registers: [this.registry],
  });

  readonly apiRequests = new Counter({
    name: 'optdb_api_requests_total',
    help: 'HTTP requests to the market-data API, retries included, by outcome (ok, or the failure: throttled, server-error, timeout, network, malformed, unauthorized, forbidden, not-found, rejected)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly apiRetries = new Counter({
    name: 'optdb_api_retries_total',
    help: 'API requests repeated after a failed attempt, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly apiRepeatedCursors = new Counter({
    name: 'optdb_api_repeated_cursors_total',
    help: 'Paginations stopped because the API handed back a next_url cursor already followed',
    registers: [this.registry],
  });
  readonly pollCycles = new Counter({
    name: 'optdb_poll_cycles_total',
    help: 'Poll cycles completed (interrupted ones included)',
    registers: [this.registry],
  });
  readonly pollCycleSeconds = new Histogram({
    name: 'optdb_poll_cycle_duration_seconds',
    help: 'Time from the start of a poll cycle until its last row was durable',
    buckets: CYCLE_SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly pollLastCycleEnd = new Gauge({
    name: 'optdb_poll_last_cycle_end_timestamp_seconds',
    help: 'When the last poll cycle ended (Unix time): alert when time() minus this exceeds a few cycles',
    registers: [this.registry],
  });
  readonly pollFailedUnderlyings = new Counter({
    name: 'optdb_poll_failed_underlyings_total',
    help: 'Underlyings whose chain could not be fetched in a cycle (404, retries exhausted)',
    registers: [this.registry],
  });

  /** processMetrics: also the process's CPU, memory, handles and event-loop lag (prom-client's defaults), for a served registry. */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    const gates = this.gates;
    const gateGauge = (name: string, help: string, read: (gate: WriteGate) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set([...gates].reduce((sum, gate) => sum + read(gate), 0));
        },
      });
    gateGauge('optdb_gate_in_flight', 'Writes running now', (gate) => gate.inFlight);
    gateGauge('optdb_gate_queue_length', 'Writes waiting for a slot', (gate) => gate.queued);
    gateGauge('optdb_gate_limit', 'Writes allowed at once now', (gate) => gate.limit);
    gateGauge('optdb_gate_limit_target', 'The limit the gate is moving toward', (gate) => gate.target);
  }

  /** Reports this gate's in-flight, queue and limit gauges (summed over watched gates). */
  watchGate(gate: WriteGate): void {
    this.gates.add(gate);
  }

  recordRowRead(): void {
    this.rowsRead.inc();
  }

  recordRowRejected(stage: 'validation' | 'database'): void {
    this.rowsRejected.inc({ stage });
  }

  recordBatchWritten(strategy: StrategyName, counts: WriteCounts, seconds: number): void {
    this.rowsWritten.inc({ outcome: 'inserted' }, counts.inserted);
    this.rowsWritten.inc({ outcome: 'updated' }, counts.updated);
    this.rowsWritten.inc({ outcome: 'unchanged' }, counts.unchanged);
    this.batchSeconds.observe({ strategy }, seconds);
  }

  recordError(code: string): void {
    this.errors.inc({ code });
  }

  recordResilienceEvent(event: ResilienceEvent): void {
    this.errors.inc({ code: event.code });
    if (event.kind === 'retry') this.retries.inc({ code: event.code });
  }

  recordGateEvent(event: GateEvent): void {
    if (event.kind === 'limit') this.limitChanges.inc({ reason: event.reason });
    else this.queuePressure.inc();
  }

  recordApiEvent(event: ApiEvent): void {
    if (event.kind === 'request') this.apiRequests.inc({ outcome: event.failure ?? 'ok' });
    else if (event.kind === 'retry') this.apiRetries.inc({ reason: event.reason });
    else if (event.kind === 'repeated-cursor') this.apiRepeatedCursors.inc();
  }

  recordPollCycle(cycle: { readonly durationMs: number; readonly failed: readonly unknown[] }): void {
    this.pollCycles.inc();
    this.pollCycleSeconds.observe(cycle.durationMs / 1000);
    this.pollLastCycleEnd.set(Date.now() / 1000);
    this.pollFailedUnderlyings.inc(cycle.failed.length);
  }

  /** The Prometheus text exposition of every metric. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Writes the exposition to `path` whole: into a new file beside it, then renamed over it,
   * so that a scraper (node_exporter's textfile collector) never reads half a file.
   */
  async writeFile(path: string): Promise<void> {
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.writeFile(temporary, await this.exposition(), { flag: 'wx' });
      await fs.rename(temporary, path);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }
}
