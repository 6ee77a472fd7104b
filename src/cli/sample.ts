import type { Command } from 'commander';
import { OptdbError } from '../errors.js';
import { writeSample } from '../sample/generate-sample.js';
import { SAMPLE_DEFAULTS, SAMPLE_FORMATS, type SampleFlags, resolveSampleOptions } from '../sample/sample-options.js';
import { warn } from './output.js';

/**
 * `optdb sample`: synthetic but realistic option data in the real Polygon formats. The
 * summary goes to stderr because stdout may be the data itself (`--out -`).
 */
export function registerSample(program: Command): void {
  program
    .command('sample')
    .description('write synthetic but realistic option data in Polygon formats (same options, same bytes)')
    .requiredOption('--out <file>', 'output file; `-` for stdout; a name ending in .gz is gzip-compressed')
    .requiredOption('--format <format>', `one of ${SAMPLE_FORMATS.join(', ')}`)
    .option('--underlyings <n>', `number of underlyings (default ${SAMPLE_DEFAULTS.underlyings})`)
    .option('--contracts <n>', `listed contracts in total (default ${SAMPLE_DEFAULTS.contracts})`)
    .option('--date <YYYY-MM-DD>', `trading day, a weekday (default ${SAMPLE_DEFAULTS.date})`)
    .option('--seed <n>', `random seed, 0..4294967295 (default ${SAMPLE_DEFAULTS.seed})`)
    .action(async function (this: Command, flags: SampleFlags) {
      let options: ReturnType<typeof resolveSampleOptions>;
      try {
        options = resolveSampleOptions(flags);
      } catch (error) {
        // A bad value on the command line is a usage error (exit 2), as for every command.
        if (error instanceof OptdbError && error.code === 'CONFIG_INVALID')
          this.error(`error: ${error.message}`, { exitCode: 2, code: 'optdb.invalidArgument' });
        throw error;
      }
      const { rows, bytes } = await writeSample(options);
      const where = options.out === '-' ? 'stdout' : String(options.out);
      warn(`sample: wrote ${rows} ${options.format} rows to ${where}, ${bytes} bytes`);
    });
}
