/**
 * optdb's configuration, resolved once into a frozen object and passed down.
 *
 * Precedence: CLI flag → environment variable → default.
 *
 * | option               | flag          | environment                     | default   | unit |
 * |----------------------|---------------|---------------------------------|-----------|------|
 * | databaseUrl          |               | DATABASE_URL                    | embedded  |      |
 * | directUrl            |               | DIRECT_URL                      | databaseUrl | (migrations; bypasses a pooler) |
 * | dataDir              | --data-dir    | OPTDB_DATA_DIR                  | .optdb    | path |
 * | embeddedPort         |               | OPTDB_EMBEDDED_PORT             | 54329     | TCP port |
 * | poolSize             |               | OPTDB_POOL_SIZE                 | 10        | connections |
 * | poolAcquireTimeoutMs |               | OPTDB_POOL_ACQUIRE_TIMEOUT_MS   | 10000     | ms |
 * | writeConcurrency     | --concurrency | OPTDB_WRITE_CONCURRENCY         | 3         | batches written at once (≤ poolSize) |
 * | limitStepFraction    |               | OPTDB_LIMIT_STEP_FRACTION       | 0.3       | largest change of the write limit per step (share) |
 * | limitStepIntervalMs  |               | OPTDB_LIMIT_STEP_INTERVAL_MS    | 5000      | ms between two steps of a requested limit change |
 * | retryAttempts        |               | OPTDB_RETRY_ATTEMPTS            | 30        | retries per batch |
 * | retryMaxTimeMs       |               | OPTDB_RETRY_MAX_TIME_MS         | 120000    | ms; no retry starts later |
 * | stopGraceMs          |               | OPTDB_STOP_GRACE_MS             | 20000     | ms a command may take to finish after Ctrl-C/SIGTERM |
 */
import path from 'node:path';
import { z } from 'zod';
import { OptdbError } from './errors.js';
import { DEFAULT_RETRY_LIMITS } from './retry-limits.js';

export interface Config {
  /** Where to connect; undefined means the embedded server in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** A URL that reaches the server without a transaction pooler, for migrations. */
  readonly directUrl: string | undefined;
  readonly dataDir: string;
  readonly embeddedPort: number;
  readonly poolSize: number;
  readonly poolAcquireTimeoutMs: number;
  /** Batches written at once by one process: the write gate's limit. */
  readonly writeConcurrency: number;
  /** The write limit changes by at most this share of itself per step (700 → 500 → 300, not 700 → 100 at once). */
  readonly limitStepFraction: number;
  /** Time between two steps of a requested limit change. */
  readonly limitStepIntervalMs: number;
  /** Retries of a failing batch (transient errors) before the ingest stops. */
  readonly retryAttempts: number;
  /** How long a batch keeps being retried, e.g. while the server restarts. */
  readonly retryMaxTimeMs: number;
  /** How long an interrupted command may take to finish its writes before optdb exits anyway. */
  readonly stopGraceMs: number;
}

export interface ConfigFlags {
  dataDir?: string | undefined;
}

/**
 * Batches written at once when nobody says otherwise: OPTDB_WRITE_CONCURRENCY's default,
 * and the library's (WriteBuffer). 3 beat 2 in `npm run bench` on 2 cores (28.9 s against
 * 30.5 s for 1M rows, docs/benchmarks.md): one batch is parsed and copied while others merge.
 */
export const DEFAULT_WRITE_CONCURRENCY = 3;

/**
 * How a requested change of the write limit is paced: at most 30 % of the limit per step,
 * a step every 5 s (OPTDB_LIMIT_STEP_FRACTION, OPTDB_LIMIT_STEP_INTERVAL_MS), and the
 * library's (WriteGate) when nobody says otherwise.
 */
export const DEFAULT_LIMIT_STEPS = Object.freeze({ stepFraction: 0.3, stepIntervalMs: 5_000 });

const DEFAULTS = {
  dataDir: '.optdb',
  embeddedPort: 54329,
  poolSize: 10,
  poolAcquireTimeoutMs: 10_000,
  writeConcurrency: DEFAULT_WRITE_CONCURRENCY,
  limitStepFraction: DEFAULT_LIMIT_STEPS.stepFraction,
  limitStepIntervalMs: DEFAULT_LIMIT_STEPS.stepIntervalMs,
  retryAttempts: DEFAULT_RETRY_LIMITS.retries,
  retryMaxTimeMs: DEFAULT_RETRY_LIMITS.maxRetryTimeMs,
  // Under the 30 s a Kubernetes pod gets between SIGTERM and SIGKILL by default.
  stopGraceMs: 20_000,
} as const;

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must start with postgresql:// or postgres://')
  // node-postgres reads it as a WHATWG URL: a '#', '/', '?' or space in the password cuts it short.
  .refine(
    (text) => URL.canParse(text),
    'is not a valid URL (percent-encode special characters in the user and password: # → %23, / → %2F, ? → %3F, space → %20; the port must be 1–65535)',
  );

function integerOption(min: number, max: number) {
  // Digits only: Number() would also take 0x10, 1e1 or an empty string.
  return z.preprocess(
    (value) => (typeof value === 'number' ? String(value) : value),
    z
      .string()
      .regex(/^\s*-?\d+\s*$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int('must be an integer').min(min, `must be >= ${min}`).max(max, `must be <= ${max}`)),
  );
}

const fraction = z.coerce.number().gt(0, 'must be > 0').max(1, 'must be <= 1');

type Env = Record<string, string | undefined>;

/** Resolves flags and environment into a Config, or fails naming the option, rule and value. */
export function resolveConfig(flags: ConfigFlags = {}, env: Env = process.env): Config {
  const dataDir = flags.dataDir ?? nonEmpty(env.OPTDB_DATA_DIR) ?? DEFAULTS.dataDir;
  return Object.freeze({
    databaseUrl: parseOption('DATABASE_URL', postgresUrl.optional(), nonEmpty(env.DATABASE_URL)),
    directUrl: parseOption('DIRECT_URL', postgresUrl.optional(), nonEmpty(env.DIRECT_URL)),
    dataDir: path.resolve(dataDir),
    embeddedPort: parseOption('OPTDB_EMBEDDED_PORT', integerOption(1, 65_535), env.OPTDB_EMBEDDED_PORT ?? DEFAULTS.embeddedPort),
    poolSize: parseOption('OPTDB_POOL_SIZE', integerOption(1, 10_000), env.OPTDB_POOL_SIZE ?? DEFAULTS.poolSize),
    poolAcquireTimeoutMs: parseOption(
      'OPTDB_POOL_ACQUIRE_TIMEOUT_MS',
      integerOption(1, 3_600_000),
      env.OPTDB_POOL_ACQUIRE_TIMEOUT_MS ?? DEFAULTS.poolAcquireTimeoutMs,
    ),
    writeConcurrency: parseOption(
      'OPTDB_WRITE_CONCURRENCY',
      integerOption(1, 1_000),
      env.OPTDB_WRITE_CONCURRENCY ?? DEFAULTS.writeConcurrency,
    ),
    limitStepFraction: parseOption('OPTDB_LIMIT_STEP_FRACTION', fraction, env.OPTDB_LIMIT_STEP_FRACTION ?? DEFAULTS.limitStepFraction),
    limitStepIntervalMs: parseOption(
      'OPTDB_LIMIT_STEP_INTERVAL_MS',
      integerOption(1, 3_600_000),
      env.OPTDB_LIMIT_STEP_INTERVAL_MS ?? DEFAULTS.limitStepIntervalMs,
    ),
    retryAttempts: parseOption('OPTDB_RETRY_ATTEMPTS', integerOption(0, 100), env.OPTDB_RETRY_ATTEMPTS ?? DEFAULTS.retryAttempts),
    retryMaxTimeMs: parseOption(
      'OPTDB_RETRY_MAX_TIME_MS',
      integerOption(0, 86_400_000),
      env.OPTDB_RETRY_MAX_TIME_MS ?? DEFAULTS.retryMaxTimeMs,
    ),
    stopGraceMs: parseOption('OPTDB_STOP_GRACE_MS', integerOption(0, 3_600_000), env.OPTDB_STOP_GRACE_MS ?? DEFAULTS.stopGraceMs),
  });
}

/** A write concurrency above the pool size only makes batches queue for connections. */
export function requireConcurrencyWithinPool(concurrency: number, config: Pick<Config, 'poolSize'>): void {
  if (concurrency <= config.poolSize) return;
  throw new OptdbError(
    'CONFIG_INVALID',
    `write concurrency ${concurrency} is more than the pool size ${config.poolSize}: batches would queue for connections.`,
    {
      remedy: `Lower the write concurrency (OPTDB_WRITE_CONCURRENCY, or ingest's --concurrency), or raise OPTDB_POOL_SIZE to at least ${concurrency}.`,
    },
  );
}

function parseOption<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const rule = result.error.issues.map((issue) => issue.message).join('; ');
  // URLs may hold passwords: name the option and the rule, never echo the value.
  const shown = name.endsWith('_URL') ? '(value hidden)' : `\`${String(value)}\` (${typeof value})`;
  throw new OptdbError('CONFIG_INVALID', `Invalid ${name}: ${rule}, got ${shown}`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
