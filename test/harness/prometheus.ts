/** Reads a Prometheus text exposition the way a scraper would, for assertions. */

/** `name{labels} value` lines, keyed by `name{labels}`. */
export function samples(exposition: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}
