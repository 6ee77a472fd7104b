/**
 * The heap as a leak shows it: bytes still in use after a full garbage collection, so
 * that garbage not yet collected does not count. `gc` is exposed at run time, not by a
 * flag on the test runner's command line.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

/**
 * Heap in use after a full collection, in MB. Between two collections the event loop
 * turns once, so that cleanup queued by the first (finalizers, async-hook bookkeeping of
 * freed promises) runs and the second frees what it released.
 */
export async function heapAfterGcMb(): Promise<number> {
  collect();
  await new Promise((resolve) => setImmediate(resolve));
  collect();
  return process.memoryUsage().heapUsed / 2 ** 20;
}
