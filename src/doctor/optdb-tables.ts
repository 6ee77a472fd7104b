/** The tables optdb owns: the ones doctor's statistics, plans and maintenance checks look at. */
export const OPTDB_TABLES = ['options', 'option_snapshots', 'option_day_aggs', 'import_batches'] as const;

export type OptdbTable = (typeof OPTDB_TABLES)[number];
