// Generates the Prisma client into src/generated/prisma (run by `npm run build`, and so by
// `npm ci` through the `prepare` script).
//
// Why this wrapper: Prisma CLI 7 makes sure its native schema-engine binary is present
// before any command — `generate` included — and otherwise downloads it from Prisma's own
// binary host, which machines that reach only the npm registry cannot do. `generate` does
// not run the schema engine (the client is produced by the WASM query compiler); it only
// checks that the file named by PRISMA_SCHEMA_ENGINE_BINARY exists. So, unless the user
// has a real engine configured, we point that variable at a harmless existing file. optdb
// never needs the engine: it applies migrations itself (`optdb migrate`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath; // any existing file satisfies the check
}
const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', 'prisma/schema.prisma'], {
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
