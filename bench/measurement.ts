/**
 * One timed run: wall time, the machine's CPU time over it (every core, every process —
 * the server's work and the client's), and what the optdb process reports of itself.
 */
import os from 'node:os';

export interface Run {
  readonly name: string;
  readonly rows: number;
  readonly seconds: number;
  /** The optdb process's peak resident memory (undefined for the floor: psql only passes the file on). */
  readonly peakRssMb: number | undefined;
  readonly machineCpuSeconds: number;
  /** CPU time of the optdb process (undefined for the floor). */
  readonly clientCpuSeconds: number | undefined;
}

/** What a command reports of its own process, when it can. */
export interface ProcessReport {
  readonly peakRssMb?: number;
  readonly cpuSeconds?: number;
}

export async function measure(name: string, rows: number, command: () => Promise<ProcessReport>): Promise<Run> {
  log(`${name}: running`);
  const started = performance.now();
  const cpuBefore = machineCpuSeconds();
  const { peakRssMb, cpuSeconds } = await command();
  const seconds = (performance.now() - started) / 1000;
  const machineCpu = machineCpuSeconds() - cpuBefore;
  log(`${name}: ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s), machine CPU ${machineCpu.toFixed(1)} s`);
  return { name, rows, seconds, peakRssMb, machineCpuSeconds: machineCpu, clientCpuSeconds: cpuSeconds };
}

export function rate(run: Run): number {
  return run.rows / run.seconds;
}

/** Busy CPU seconds of the machine so far, summed over its cores. */
function machineCpuSeconds(): number {
  let ms = 0;
  for (const { times } of os.cpus()) ms += times.user + times.nice + times.sys + times.irq;
  return ms / 1000;
}

export function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
