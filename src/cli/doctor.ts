import type { Command } from 'commander';
import type { Config } from '../config.js';
import { createPool } from '../db/pool.js';
import { CHECK_FAMILIES } from '../doctor/check-families.js';
import { type CheckResult, createDoctorContext } from '../doctor/check.js';
import { doctorExitCode, type DoctorReport, runDoctor } from '../doctor/doctor.js';
import { redactUrl } from '../redact.js';
import { integerOption } from './option-parsers.js';
import { say } from './output.js';
import { withDatabase } from './with-database.js';

interface DoctorFlags {
  json?: boolean;
  fix?: boolean;
  workers: number;
}

// Enough for the checks plus one spare; doctor must not crowd a server short of connections.
const DOCTOR_POOL_SIZE = 2;

/** `optdb doctor`: exit 0 when every check passes, 1 when any warns, 2 when any fails. */
export function registerDoctor(program: Command, config: () => Config): void {
  program
    .command('doctor')
    .description('check the database the way the debugging checklist does: connectivity, migrations, statistics, connections, locks, configuration, pooler, plans, maintenance')
    .option('--json', 'print { ok, checks: [{ id, status, summary, remedy?, details? }] }')
    .option('--fix', 'repair what is safe to repair (ANALYZE stale tables, with lock and statement timeouts)')
    .option('--workers <n>', 'optdb processes that write to this server at once (for the configuration check)', integerOption(1, 10_000), 1)
    .action(async (flags: DoctorFlags) => {
      const cfg = config();
      const report = await withDatabase(cfg, async (target) => {
        const pool = createPool(target.url, { poolSize: DOCTOR_POOL_SIZE, poolAcquireTimeoutMs: cfg.poolAcquireTimeoutMs });
        try {
          if (!flags.json) say(`optdb doctor: ${redactUrl(target.url)}${target.embedded ? ' (embedded)' : ''}`);
          const context = createDoctorContext({ pool, url: target.url, directUrl: target.directUrl, config: cfg, workers: flags.workers, fix: flags.fix === true });
          // Each result as its check finishes: a check that waits is seen waiting after the others.
          return await runDoctor(context, CHECK_FAMILIES, flags.json ? undefined : printCheck);
        } finally {
          await pool.end();
        }
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
