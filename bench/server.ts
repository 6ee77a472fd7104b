/**
 * The PostgreSQL server every run of the bench uses: DATABASE_URL's when set (its user
 * must be able to create databases), else an embedded PostgreSQL in the bench's temporary
 * directory. Each run gets a database of its own, migrated by optdb, so that the floor
 * writes into optdb's own tables (same columns, defaults, indexes and foreign key).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedServer } from '../src/db/embedded-server.js';
import { migrate } from '../src/db/migrator.js';

export class BenchServer {
  private constructor(
    private readonly adminUrl: string,
    private readonly embedded: EmbeddedServer | undefined,
  ) {}

  static async start(work: string): Promise<BenchServer> {
    if (process.env.DATABASE_URL) return new BenchServer(process.env.DATABASE_URL, undefined);
    const embedded = new EmbeddedServer(path.join(work, 'server'), await freePort());
    fs.mkdirSync(embedded.dataDir, { recursive: true, mode: 0o755 });
    return new BenchServer(withDatabase((await embedded.start()).url, 'postgres'), embedded);
  }

  get isEmbedded(): boolean {
    return this.embedded !== undefined;
  }

  async stop(): Promise<void> {
    await this.embedded?.stop();
  }

  /** The first column of the first row of `sql`, run in the admin database. */
  async query(sql: string): Promise<string> {
    return queryOne(this.adminUrl, sql);
  }

  /** `use` on a new, migrated database, dropped afterwards. */
  async withFreshDatabase<T>(use: (url: string) => Promise<T>): Promise<T> {
    const database = `optdb_bench_${Date.now()}`;
    await this.query(`CREATE DATABASE ${database}`);
    try {
      const url = withDatabase(this.adminUrl, database);
      await migrate(url);
      return await use(url);
    } finally {
      await this.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  }
}

/** The first column of the first row of `sql` (empty when there is none). */
export async function queryOne(url: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(sql);
    return String(Object.values(result.rows[0] ?? {})[0] ?? '');
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
