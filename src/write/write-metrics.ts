/**
 * What the writers tell whoever counts their work: rows handed over and rejected, batches
 * written and how long they took, errors by SQLSTATE, and the write gate's changes and
 * numbers. The metrics registry (metrics/optdb-metrics.ts) implements it; the writers
 * know only this interface, so they stay below the layer that serves metrics.
 */
import type { ResilienceEvent } from './resilience.js';
import type { StrategyName, WriteCounts } from './strategy.js';
import type { GateEvent, WriteGate } from './write-gate.js';

export interface WriteMetrics {
  /** A gate whose in-flight, queue and limit numbers are read whenever metrics are collected. */
  watchGate(gate: WriteGate): void;
  /** A row handed to a write buffer. */
  recordRowRead(): void;
  /** A row rejected: invalid (`validation`), or refused by the database (`database`). */
  recordRowRejected(stage: 'validation' | 'database'): void;
  /** A batch written, by the strategy that was asked to write it, retries included in `seconds`. */
  recordBatchWritten(strategy: StrategyName, counts: WriteCounts, seconds: number): void;
  /** A database error met while writing, by SQLSTATE (or node error code). */
  recordError(code: string): void;
  recordGateEvent(event: GateEvent): void;
  recordResilienceEvent(event: ResilienceEvent): void;
}
