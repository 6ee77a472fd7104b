#!/usr/bin/env node
/**
 * The `optdb` command: a thin layer over the library. Every failure ends as one clear
 * line (and a remedy when there is one) on stderr and a non-zero exit — never a stack
 * trace, unless OPTDB_DEBUG=1.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { type Config, resolveConfig } from '../config.js';
import { OptdbError } from '../errors.js';
import { redactText } from '../redact.js';
import { OPTDB_WARNING } from '../warning.js';
import { registerContracts } from './contracts.js';
import { registerDb } from './db.js';
import { registerDemo } from './demo.js';
import { registerDoctor } from './doctor.js';
import { registerExplain } from './explain.js';
import { registerIngest } from './ingest.js';
import { registerLoadtest } from './loadtest.js';
import { registerMigrate } from './migrate.js';
import { registerPartitions } from './partitions.js';
import { registerPoll } from './poll.js';
import { registerSample } from './sample.js';
import { registerServe } from './serve.js';
import { warn } from './output.js';
import { setRunningCommand } from './shutdown.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

// Node prints process warnings as "(node:1234) Warning: …"; optdb's own read like its
// other messages, anything else keeps its name.
process.removeAllListeners('warning');
process.on('warning', (warning) =>
  warn(warning.name === OPTDB_WARNING ? `optdb: ${warning.message}` : `optdb: ${warning.name}: ${warning.message}`),
);

const program = new Command('optdb')
  .description('US equity-options market data in PostgreSQL, fast and safely')
  .version(version)
  .option('--data-dir <path>', 'embedded server data directory (env OPTDB_DATA_DIR, default .optdb)')
  .showHelpAfterError("(add --help for the command's options)")
  .exitOverride();

let resolved: Config | undefined;
const config = (): Config => (resolved ??= resolveConfig(program.opts<{ dataDir?: string }>()));

registerMigrate(program, config);
registerIngest(program, config);
registerPartitions(program, config);
registerPoll(program, config);
registerContracts(program, config);
registerSample(program);
registerDemo(program, config);
registerDb(program, config);
registerDoctor(program, config);
registerExplain(program);
registerLoadtest(program, config);
registerServe(program, config);

try {
  const running = program.parseAsync(process.argv);
  setRunningCommand(running);
  await running;
} catch (error) {
  process.exitCode = report(error);
}

function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (process.env.OPTDB_DEBUG === '1') warn(String((error as Error).stack ?? error));
  if (error instanceof OptdbError) {
    warn(`optdb: ${error.message}`);
    if (error.remedy) warn(`  ${error.remedy}`);
    return 1;
  }
  warn(`optdb: ${redactText((error as Error)?.message ?? String(error))}`);
  return 1;
}
