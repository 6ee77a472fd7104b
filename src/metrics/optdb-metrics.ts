/**
 * optdb's metrics in the Prometheus exposition format (prom-client): what was read,
 * written and rejected, how long batches took, what the write gate is doing, and every
 * retry and error by SQLSTATE. One registry per instance (not prom-client's global one),
 * so several ingests in one process — or tests — never mix their numbers.
 *
 * `optdb ingest --metrics-file` writes them when the ingest ends; a long-running process
 * can serve `exposition()` over HTTP.
 */
import fs from 'node:fs/promises';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ResilienceEvent } from '../write/resilient-writer.js';
import type { GateEvent, WriteGate } from '../write/write-gate.js';
import type { WriteCounts } from '../write/strategy.js';

// From a single-row write (~1 ms) to a batch retried through a server restart (minutes).
const BATCH_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class OptdbMetrics {
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

  constructor() {
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

  recordWritten(counts: WriteCounts): void {
    this.rowsWritten.inc({ outcome: 'inserted' }, counts.inserted);
    this.rowsWritten.inc({ outcome: 'updated' }, counts.updated);
    this.rowsWritten.inc({ outcome: 'unchanged' }, counts.unchanged);
  }

  recordResilienceEvent(event: ResilienceEvent): void {
    this.errors.inc({ code: event.code });
    if (event.kind === 'retry') this.retries.inc({ code: event.code });
  }

  recordGateEvent(event: GateEvent): void {
    if (event.kind === 'limit') this.limitChanges.inc({ reason: event.reason });
    else this.queuePressure.inc();
  }

  /** The Prometheus text exposition of every metric. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  async writeFile(path: string): Promise<void> {
    await fs.writeFile(path, await this.exposition());
  }
}
