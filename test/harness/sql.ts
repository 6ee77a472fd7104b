/** A statement on its own short connection: how tests look at the database they wrote to. */
import pg from 'pg';

// Rows are `any`: tests assert on column values they name themselves.
export async function query<T = any>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function queryOne<T = any>(url: string, sql: string, params: unknown[] = []): Promise<T> {
  const [row] = await query<T>(url, sql, params);
  if (row === undefined) throw new Error(`no row from: ${sql.trim().slice(0, 80)}`);
  return row;
}
