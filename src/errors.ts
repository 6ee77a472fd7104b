/**
 * The few error classes optdb raises on purpose. Each has a stable `code` that callers
 * and tests can match on, a message meant for a person, and — where there is one — a
 * remedy. The original error is kept as `cause`.
 */
export type OptdbErrorCode =
  | 'API_REQUEST_FAILED'
  | 'CONFIG_INVALID'
  | 'DATABASE_UNREACHABLE'
  | 'EMBEDDED_SERVER'
  | 'INPUT_FORMAT'
  | 'INPUT_UNREADABLE'
  | 'MIGRATION_FAILED'
  | 'MIGRATION_STATE'
  | 'ROW_REJECTED'
  | 'SCHEMA_NOT_MIGRATED'
  | 'TOO_MANY_REJECTS'
  | 'WRITE_FAILED';

export class OptdbError extends Error {
  readonly code: OptdbErrorCode;
  readonly remedy: string | undefined;

  constructor(code: OptdbErrorCode, message: string, options: { remedy?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'OptdbError';
    this.code = code;
    this.remedy = options.remedy;
  }
}
