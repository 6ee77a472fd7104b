/**
 * `serveApi`'s options, resolved once. Every option has a default; a bad value fails at
 * start-up naming the option, the rule and the value received.
 *
 * | option             | default                 | meaning                                                         |
 * |--------------------|-------------------------|-----------------------------------------------------------------|
 * | listen             | 127.0.0.1:8080          | where to listen; port 0 picks a free one                        |
 * | token              | $OPTDB_API_TOKEN        | required as `Authorization: Bearer` when set; required to listen beyond loopback |
 * | statementTimeoutMs | 5000                    | each request's statements are cancelled after this long (ms)    |
 * | cursorKey          | random, per process     | signs next_url cursors; give servers behind one address the same |
 */
import { OptdbError } from '../errors.js';
import type { ListenAddress } from '../metrics/metrics-server.js';

export const TOKEN_VARIABLE = 'OPTDB_API_TOKEN';
export const SERVE_DEFAULTS = Object.freeze({ host: '127.0.0.1', port: 8080, statementTimeoutMs: 5_000 });
const MIN_TOKEN_LENGTH = 16;
const MIN_CURSOR_KEY_LENGTH = 32;

export interface ServeSettingsInput {
  readonly listen?: ListenAddress | undefined;
  readonly token?: string | undefined;
  /** Where OPTDB_API_TOKEN is read from when `token` is not given (default process.env). */
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly statementTimeoutMs?: number | undefined;
  readonly cursorKey?: string | undefined;
}

export interface ServeSettings {
  readonly listen: ListenAddress;
  readonly token: string | undefined;
  readonly statementTimeoutMs: number;
  readonly cursorKey: string | undefined;
}

export function resolveServeSettings(input: ServeSettingsInput): ServeSettings {
  const listen = input.listen ?? { host: SERVE_DEFAULTS.host, port: SERVE_DEFAULTS.port };
  const given = input.token ?? (input.env ?? process.env)[TOKEN_VARIABLE];
  const token = given === undefined || given === '' ? undefined : checkToken(given, input.token !== undefined ? '`token`' : TOKEN_VARIABLE);
  if (token === undefined && !isLoopback(listen.host)) {
    throw new OptdbError(
      'CONFIG_INVALID',
      `Refusing to serve on ${listen.host} without a token: anyone who can reach it could read the data.`,
      {
        remedy: `Set ${TOKEN_VARIABLE} (at least ${MIN_TOKEN_LENGTH} characters, e.g. \`openssl rand -hex 24\`); clients send it as \`Authorization: Bearer <token>\`. Or listen on 127.0.0.1.`,
      },
    );
  }
  const statementTimeoutMs = input.statementTimeoutMs ?? SERVE_DEFAULTS.statementTimeoutMs;
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 1 || statementTimeoutMs > 600_000) {
    throw new OptdbError(
      'CONFIG_INVALID',
      `Expected \`statementTimeoutMs\` to be an integer from 1 to 600000, got \`${statementTimeoutMs}\``,
    );
  }
  if (input.cursorKey !== undefined && input.cursorKey.length < MIN_CURSOR_KEY_LENGTH) {
    throw new OptdbError(
      'CONFIG_INVALID',
      `Expected \`cursorKey\` to be at least ${MIN_CURSOR_KEY_LENGTH} characters, got ${input.cursorKey.length}`,
    );
  }
  return Object.freeze({ listen, token, statementTimeoutMs, cursorKey: input.cursorKey });
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function checkToken(token: string, name: string): string {
  if (token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
    throw new OptdbError(
      'CONFIG_INVALID',
      `Expected ${name} to be at least ${MIN_TOKEN_LENGTH} printable ASCII characters without spaces, got ${token.length} characters`,
    );
  }
  return token;
}
