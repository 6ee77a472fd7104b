import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { CheckResult } from '../doctor/check.js';
import { checkDatabase } from '../doctor/check-database.js';
import { doctorExitCode, type DoctorReport } from '../doctor/doctor.js';
import { redactUrl } from '../redact.js';
import { integerOption } from './option-parsers.js';
import { say } from './output.js';
import { onShutdown } from './shutdown.js';

interface DoctorFlags {
  json?: boolean;
  fix?: boolean;
  workers: number;
}

/** `optdb doctor`: exit 0 when every check passes, 1 when any warns, 2 when any fails. */
export function registerDoctor(program: Command, config: () => Config): void {
  program
    .command('doctor')
    .description(
      'check the database the way an engineer would during an incident: connectivity, migrations, statistics, connections, locks, configuration, pooler, plans, maintenance',
    )
    .option('--json', 'print { ok, checks: [{ id, status, summary, remedy?, details? }] }')
    .option('--fix', 'repair what is safe to repair (ANALYZE stale tables, with lock and statement timeouts)')
    .option('--workers <n>', 'optdb processes that write to this server at once (for the configuration check)', integerOption(1, 10_000), 1)
    .action(async (flags: DoctorFlags) => {
      const report = await checkDatabase(config(), {
        workers: flags.workers,
        fix: flags.fix === true,
        registerCleanup: onShutdown,
        onDatabase: (database) => {
          if (!flags.json) say(`optdb doctor: ${redactUrl(database.url)}${database.embedded ? ' (embedded)' : ''}`);
        },
        // Each result as its check finishes: a check that waits is seen waiting after the others.
        onResult: flags.json ? undefined : printCheck,
      });
      if (flags.json) say(JSON.stringify(report));
      else printTotals(report);
      process.exitCode = doctorExitCode(report);
    });
}

const LABELS = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;
// Printed before the other ids are known: wide enough for the longest, configuration.pool-acquire-timeout.
const ID_WIDTH = 34;

function printTotals(report: DoctorReport): void {
  const count = (status: CheckResult['status']) => report.checks.filter((check) => check.status === status).length;
  say(`${count('pass')} passed, ${count('warn')} warning(s), ${count('fail')} failed`);
}

function printCheck(check: CheckResult): void {
  say(`  ${LABELS[check.status]}  ${check.id.padEnd(ID_WIDTH)}  ${check.summary}`);
  if (check.status !== 'pass' && check.remedy) say(`        ${' '.repeat(ID_WIDTH)}  → ${check.remedy}`);
}
