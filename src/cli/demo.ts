import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import pg from 'pg';
import type { Config } from '../config.js';
import { withDatabase } from '../db/database.js';
import { migrate } from '../db/migrator.js';
import { NEAREST_CHAIN, TOP_VOLUME } from '../db/sql/read-queries.js';
import { ingestFiles } from '../ingest/ingest-files.js';
import { redactUrl } from '../redact.js';
import { writeSample } from '../sample/generate-sample.js';
import { SAMPLE_DEFAULTS } from '../sample/sample-options.js';
import { ingestListeners, printSummary } from './ingest-output.js';
import { integerOption } from './option-parsers.js';
import { say } from './output.js';
import { createProgressDisplay } from './progress-display.js';
import { onShutdown } from './shutdown.js';
import { printTable } from './table-output.js';

const DEMO_UNDERLYING = 'AAPL';

/** `optdb demo` (what `npm start` runs): the whole main job on generated data, start to finish. */
export function registerDemo(program: Command, config: () => Config): void {
  program
    .command('demo')
    .description('migrate, generate a realistic sample, ingest it, and query it (embedded database unless DATABASE_URL is set)')
    .option('--contracts <n>', 'contracts in the generated option chains', integerOption(1, 5_000_000), 100_000)
    .action(async (options: { contracts: number }) => {
      const cfg = config();
      await withDatabase(
        cfg,
        async (target) => {
          const started = performance.now();
          say(`database: ${redactUrl(target.url)}${target.embedded ? ` (embedded, ${cfg.dataDir})` : ''}`);
          const migrated = await migrate(target.directUrl);
          say(`schema: ${migrated.applied.length} migration(s) applied, ${migrated.alreadyApplied} already in place`);

          const date = SAMPLE_DEFAULTS.date;
          const dir = path.join(cfg.dataDir, 'demo');
          await fs.mkdir(dir, { recursive: true });
          const chainFile = path.join(dir, `chain-${date}.ndjson.gz`);
          const barsFile = path.join(dir, `day-aggs-${date}.csv.gz`);
          const sample = { underlyings: SAMPLE_DEFAULTS.underlyings, contracts: options.contracts, date, seed: SAMPLE_DEFAULTS.seed };
          const chain = await writeSample({ ...sample, out: chainFile, format: 'chain-ndjson' });
          const bars = await writeSample({ ...sample, out: barsFile, format: 'day-aggs-csv' });
          say(`sample: ${chain.rows} option-chain snapshots and ${bars.rows} daily bars for ${date} in ${dir}`);

          // The ingest uses the server opened here: started once, stopped once.
          const here: Config = Object.freeze({ ...cfg, databaseUrl: target.url, directUrl: target.directUrl });
          const display = createProgressDisplay(true);
          let summary;
          try {
            summary = await ingestFiles(here, [chainFile, barsFile], {
              ...ingestListeners(display),
              concurrency: Math.min(cfg.writeConcurrency, cfg.poolSize),
              registerCleanup: onShutdown,
            });
          } finally {
            display.stop();
          }
          printSummary(summary, {});

          const client = new pg.Client({ connectionString: target.url });
          await client.connect();
          try {
            say(`\nnearest expiration of ${DEMO_UNDERLYING}, strikes within 3% of spot:`);
            printTable((await client.query(NEAREST_CHAIN, [DEMO_UNDERLYING, date])).rows);
            say(`\nthe 10 contracts with the highest volume on ${date}:`);
            printTable((await client.query(TOP_VOLUME, [date])).rows);
          } finally {
            await client.end();
          }
          say(`\ndemo finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        },
        { registerCleanup: onShutdown },
      );
    });
}
