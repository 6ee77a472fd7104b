/**
 * What the client reads when a request fails: Polygon's error shape with an HTTP status
 * and a message that says what to change — never a stack trace, a SQL statement or a
 * server detail. Failures that are the server's own are passed to `onError` for the
 * operator, and the client reads only that the request failed.
 */
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError } from './api-error.js';

export interface ErrorReply {
  readonly statusCode: number;
  readonly message: string;
  /** The server's own failure (a 500): reported to the operator. */
  readonly internal: boolean;
}

// The pool's "timeout exceeded when trying to connect": every connection is busy.
const POOL_TIMEOUT = /timeout exceeded when trying to connect/i;

export function errorReply(error: unknown, statementTimeoutMs: number): ErrorReply {
  if (error instanceof ApiError) return { statusCode: error.statusCode, message: error.message, internal: false };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issue = error.validation[0]!;
    const name = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const where = (error as { validationContext?: string }).validationContext === 'params' ? 'path parameter' : 'parameter';
    return { statusCode: 400, message: `${where} ${name}: ${issue.message}`, internal: false };
  }
  const code = (error as { code?: unknown }).code;
  if (code === '57014') {
    return {
      statusCode: 503,
      message: `the query ran longer than ${statementTimeoutMs} ms and was cancelled: narrow it (filters, limit)`,
      internal: false,
    };
  }
  if (error instanceof Error && POOL_TIMEOUT.test(error.message)) {
    return { statusCode: 503, message: 'every database connection is busy: retry shortly', internal: false };
  }
  // Fastify's own refusals (a malformed URL, an unsupported media type) are the client's.
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && error instanceof Error) {
    return { statusCode, message: error.message, internal: false };
  }
  return { statusCode: 500, message: 'the request failed on the server', internal: true };
}
