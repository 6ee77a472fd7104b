/** Environment for a CLI process whose wall clock starts at `iso` (see shifted-clock.mjs). */
export function clockAt(iso: string): Record<string, string> {
  const preload = new URL('./shifted-clock.mjs', import.meta.url).href;
  return { OPTDB_TEST_CLOCK: iso, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${preload}`.trim() };
}
