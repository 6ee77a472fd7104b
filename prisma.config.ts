// For users who also have the Prisma CLI with its schema engine (`prisma migrate status`,
// `prisma migrate deploy`, `prisma studio`): the same schema, migrations and database as
// optdb. Migrations go through DIRECT_URL when set, so they bypass a transaction pooler.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DIRECT_URL ?? process.env.DATABASE_URL ?? '' },
});
