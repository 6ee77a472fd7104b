/**
 * Clean exits on Ctrl-C and SIGTERM: registered cleanups (stopping an embedded server
 * this process started, closing pools) run before the process exits. A second Ctrl-C
 * exits at once.
 */
type Cleanup = () => Promise<void>;

const cleanups = new Set<Cleanup>();
let installed = false;
let stopping = false;

/** Registers a cleanup; returns a function that unregisters it. */
export function onShutdown(cleanup: Cleanup): () => void {
  installHandlers();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(code);
      stopping = true;
      process.stderr.write(`\noptdb: ${signal} received, cleaning up (again to force)\n`);
      void runCleanups().finally(() => process.exit(code));
    });
  }
}

async function runCleanups(): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) {
    await cleanup().catch((error: unknown) => process.stderr.write(`optdb: cleanup failed: ${String(error)}\n`));
  }
  cleanups.clear();
}
