/**
 * Connection-string parameters from Prisma's Rust-engine days (URLs written for it carry
 * `connection_limit=1200` and the like). Prisma 7 hands the URL to node-postgres through adapter-pg,
 * which reads none of them: they stay in the URL and look like they do something.
 */
export interface MisleadingParameter {
  readonly name: string;
  readonly value: string;
  /** What actually governs the thing the parameter seems to set. */
  readonly instead: string;
}

const IGNORED: Readonly<Record<string, string>> = {
  pgbouncer: 'does nothing in Prisma 7: adapter-pg already sends unnamed statements, which work behind PgBouncer',
  connection_limit: "is ignored by Prisma 7's adapter: optdb's pool size is OPTDB_POOL_SIZE",
  pool_timeout: 'is ignored by Prisma 7: the wait for a pooled connection is OPTDB_POOL_ACQUIRE_TIMEOUT_MS',
  statement_cache_size: 'is ignored by Prisma 7: there is no query engine statement cache, statements are unnamed',
  schema: "is ignored by node-postgres: optdb's tables are found through the role's search_path",
};

/** The ignored parameters present in `url`, in the order they appear. */
export function misleadingUrlParameters(url: string): MisleadingParameter[] {
  const found: MisleadingParameter[] = [];
  // Only the query string: not every URL node-postgres accepts is a valid WHATWG URL.
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1).split('#')[0]! : '';
  for (const [name, value] of new URLSearchParams(query)) {
    const instead = IGNORED[name.toLowerCase()];
    if (instead) found.push({ name, value, instead });
  }
  return found;
}
