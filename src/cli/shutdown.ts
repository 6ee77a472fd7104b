/**
 * Clean exits on Ctrl-C and SIGTERM: a command that can stop gracefully is asked to
 * (its interrupt handlers: stop reading, let the writes under way commit) and waited for,
 * summary printed; then the registered cleanups run (closing pools, stopping an embedded
 * server this process started), then the process exits. A second Ctrl-C exits at once.
 */
type Cleanup = () => Promise<void>;

interface Interrupt {
  readonly graceMs: number;
  /** Called when the grace runs out, before the exit: the last chance to report. */
  readonly onGiveUp: (() => void) | undefined;
}

const interrupts = new Map<Cleanup, Interrupt>();
const cleanups = new Set<Cleanup>();
let command: Promise<unknown> | undefined;
let installed = false;
let stopping = false;

/** The command being run: once interrupted gracefully, the exit waits for it to finish. */
export function setRunningCommand(running: Promise<unknown>): void {
  command = running;
}

/**
 * Registers how to stop a piece of work gracefully: called before any cleanup, so the
 * work can finish with its connections (and its server) still there; after `graceMs`
 * (OPTDB_STOP_GRACE_MS) optdb exits anyway — a database that went away must not hold the
 * exit for the whole retry time. Returns a function that unregisters it.
 */
export function onInterrupt(stop: Cleanup, graceMs: number, onGiveUp?: () => void): () => void {
  installHandlers();
  interrupts.set(stop, { graceMs, onGiveUp });
  return () => interrupts.delete(stop);
}

/** Registers a cleanup, run after the interrupt handlers, the latest first; returns a function that unregisters it. */
export function onShutdown(cleanup: Cleanup): () => void {
  installHandlers();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      // Again: end now. process.exit() would still wait for a blocked read (a FIFO with no
      // writer holds a libuv thread); the signal's default action does not.
      if (stopping) {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
        return;
      }
      stopping = true;
      process.stderr.write(`\noptdb: ${signal} received, cleaning up (again to force)\n`);
      void runCleanups().finally(() => process.exit(code));
    });
  }
}

async function runCleanups(): Promise<void> {
  const failed = (error: unknown) => process.stderr.write(`optdb: cleanup failed: ${String(error)}\n`);
  // Without an interrupt handler the command would not notice: it is cut short instead.
  const graceful = interrupts.size > 0;
  const graceMs = Math.max(0, ...[...interrupts.values()].map((interrupt) => interrupt.graceMs));
  const giveUps = [...interrupts.values()].flatMap((interrupt) => (interrupt.onGiveUp ? [interrupt.onGiveUp] : []));
  await Promise.all([...interrupts.keys()].map((stop) => stop().catch(failed)));
  interrupts.clear();
  if (
    graceful &&
    (await within(
      graceMs,
      command?.catch(() => undefined),
    )) === TIMED_OUT
  ) {
    for (const giveUp of giveUps) {
      try {
        giveUp();
      } catch (error) {
        failed(error);
      }
    }
    process.stderr.write(
      `optdb: still not finished ${graceMs / 1000} s after the signal (OPTDB_STOP_GRACE_MS); exiting: what was committed stays, a rerun resumes\n`,
    );
  }
  // Bounded too: closing a pool waits for its checked-out connections, which a statement
  // stuck behind a lock never gives back. Stopping an embedded server takes a second or two.
  for (const cleanup of [...cleanups].reverse()) await within(CLEANUP_TIMEOUT_MS, cleanup().catch(failed));
  cleanups.clear();
}

const CLEANUP_TIMEOUT_MS = 5_000;
const TIMED_OUT = Symbol('timed out');

async function within<T>(ms: number, work: Promise<T> | undefined): Promise<T | undefined | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
