/**
 * `optdb partitions list` and `optdb partitions drop --older-than <age>`: option_day_aggs's
 * day partitions — their ranges, rows and sizes, the day loads not attached yet — and
 * retention. Exit 0, 1 when the database fails, 2 for a bad flag.
 */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { DatabaseHooks } from '../db/database.js';
import { type DayPartitionInfo, dropDayPartitions, listDayPartitions } from '../db/partition-jobs.js';
import { redactUrl } from '../redact.js';
import { checked } from './option-parsers.js';
import { say, warn } from './output.js';
import { onShutdown } from './shutdown.js';
import { printTable } from './table-output.js';

const DAYS_PER_UNIT: Record<string, number> = { d: 1, w: 7, y: 365 };

/** `90d`, `12w`, `2y` → the first day kept (today in UTC less the age), or a day given as YYYY-MM-DD. */
export function cutoffDay(age: string, today = new Date()): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(age) && !Number.isNaN(Date.parse(`${age}T00:00:00Z`))) return age;
  const match = /^(\d{1,5})([dwy])$/.exec(age);
  if (!match) return undefined;
  const cutoff = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  cutoff.setUTCDate(cutoff.getUTCDate() - Number(match[1]) * DAYS_PER_UNIT[match[2]!]!);
  return cutoff.toISOString().slice(0, 10);
}

export function registerPartitions(program: Command, config: () => Config): void {
  const partitions = program.command('partitions').description("option_day_aggs's day partitions: list them, drop old ones");
  const hooks = (json: boolean | undefined): DatabaseHooks => ({
    registerCleanup: onShutdown,
    onDatabase: (database) => {
      if (!json) say(`database: ${redactUrl(database.directUrl)}${database.embedded ? ' (embedded)' : ''}`);
    },
  });

  partitions
    .command('list')
    .description('each partition: its days, rows (the planner estimate) and size; day loads not yet attached')
    .option('--json', 'print the partitions as JSON')
    .action(async (flags: { json?: boolean }) => {
      const list = await listDayPartitions(config(), hooks(flags.json));
      if (flags.json) return say(JSON.stringify(list));
      printTable(list.map(row));
    });

  partitions
    .command('drop')
    .description('drop the partitions whose days are all older than an age (detached concurrently: ingests and reads go on)')
    .requiredOption(
      '--older-than <age>',
      'an age (90d, 12w, 2y: before today in UTC less that) or a first day kept, YYYY-MM-DD',
      checked(cutoffDay, 'an age like 90d, 12w or 2y, or a day YYYY-MM-DD'),
    )
    .option('--dry-run', 'list what would be dropped, drop nothing')
    .option('--json', 'print the partitions dropped as JSON')
    .action(async (flags: { olderThan: string; dryRun?: boolean; json?: boolean }) => {
      const dropped = await dropDayPartitions(
        config(),
        {
          before: flags.olderThan,
          dryRun: flags.dryRun,
          onDropped: flags.json
            ? undefined
            : (partition) => say(`  dropped ${partition.name} (${describeRange(partition)}, ${Math.round(partition.rows)} rows)`),
        },
        hooks(flags.json),
      );
      if (flags.json) return say(JSON.stringify(dropped));
      if (flags.dryRun) printTable(dropped.map(row));
      const verb = flags.dryRun ? 'would drop' : 'dropped';
      if (dropped.length === 0) warn(`no partition holds only days before ${flags.olderThan}`);
      else say(`${verb} ${dropped.length} partition(s) of days before ${flags.olderThan}`);
    });
}

function row(partition: DayPartitionInfo): Record<string, unknown> {
  return {
    partition: partition.name,
    days: describeRange(partition),
    rows: Math.round(partition.rows),
    size: `${(partition.bytes / 1024 / 1024).toFixed(1)} MB`,
    state: partition.state,
  };
}

function describeRange(partition: DayPartitionInfo): string {
  if (partition.from === undefined || partition.to === undefined) return partition.state === 'loading' ? 'one day, loading' : 'any';
  const last = new Date(`${partition.to}T00:00:00Z`);
  last.setUTCDate(last.getUTCDate() - 1);
  const lastDay = last.toISOString().slice(0, 10);
  return lastDay === partition.from ? partition.from : `${partition.from} to ${lastDay}`;
}
