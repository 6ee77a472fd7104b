/**
 * Where a command's metrics go: a Prometheus text file (`--metrics-file`, written when
 * the command says so) and/or an HTTP endpoint served while it runs (`--metrics-listen`).
 * Neither asked: no metrics are kept at all.
 */
import type { Command } from 'commander';
import { serveMetrics, parseListenAddress, type ListenAddress, type MetricsServer } from '../metrics/metrics-server.js';
import { OptdbMetrics } from '../metrics/optdb-metrics.js';
import { checked } from './option-parsers.js';
import { warn } from './output.js';

export interface MetricsFlags {
  metricsFile?: string;
  metricsListen?: ListenAddress;
}

export function addMetricsListenOption(command: Command): Command {
  return command.option(
    '--metrics-listen <[host:]port>',
    'serve Prometheus metrics at http://host:port/metrics while running (host 127.0.0.1 unless given; port 0 picks a free one)',
    checked(parseListenAddress, 'a port or host:port such as 9464 or 0.0.0.0:9464'),
  );
}

export class MetricsOutput {
  /** Undefined when neither a file nor an endpoint was asked for. */
  readonly metrics: OptdbMetrics | undefined;
  private server: MetricsServer | undefined;

  constructor(private readonly flags: MetricsFlags) {
    if (flags.metricsFile || flags.metricsListen) this.metrics = new OptdbMetrics({ processMetrics: flags.metricsListen !== undefined });
  }

  /** Starts serving the metrics, when --metrics-listen asked for it. */
  async listen(): Promise<void> {
    if (!this.metrics || !this.flags.metricsListen) return;
    this.server = await serveMetrics(this.metrics, this.flags.metricsListen);
    warn(`optdb: metrics at ${this.server.url}`);
  }

  /** Writes the metrics file, when one was asked for. */
  async writeFile(): Promise<void> {
    if (this.metrics && this.flags.metricsFile) await this.metrics.writeFile(this.flags.metricsFile);
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}
