/**
 * `optdb serve`: the stored data as a Polygon-compatible HTTP API and a live dashboard
 * (serveApi). Prints the URL on stdout, one line per request on stderr (path and status,
 * no query and no header), and runs until Ctrl-C or SIGTERM, letting the requests under
 * way finish.
 */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { type ListenAddress, parseListenAddress } from '../metrics/metrics-server.js';
import { redactText } from '../redact.js';
import { OPENAPI_PATH } from '../serve/app.js';
import { serveApi } from '../serve/serve-api.js';
import { SERVE_DEFAULTS } from '../serve/serve-options.js';
import { checked, integerOption } from './option-parsers.js';
import { say, warn } from './output.js';
import { onInterrupt, onShutdown } from './shutdown.js';

interface ServeFlags {
  listen?: ListenAddress;
  statementTimeout: number;
  quiet?: boolean;
}

export function registerServe(program: Command, config: () => Config): void {
  program
    .command('serve')
    .description('serve the stored data as a Polygon-compatible HTTP API, as of any stored time (token: OPTDB_API_TOKEN)')
    .option(
      '--listen <[host:]port>',
      `where to listen (default ${SERVE_DEFAULTS.host}:${SERVE_DEFAULTS.port}; beyond loopback only with OPTDB_API_TOKEN set)`,
      checked(parseListenAddress, 'a port or host:port such as 8080 or 0.0.0.0:8080'),
    )
    .option(
      '--statement-timeout <ms>',
      "each request's queries are cancelled after this long",
      integerOption(1, 600_000),
      SERVE_DEFAULTS.statementTimeoutMs,
    )
    .option('--quiet', 'do not log requests')
    .action(async (flags: ServeFlags) => {
      const cfg = config();
      const server = await serveApi(cfg, {
        listen: flags.listen ?? { host: SERVE_DEFAULTS.host, port: SERVE_DEFAULTS.port },
        statementTimeoutMs: flags.statementTimeout,
        registerCleanup: onShutdown,
        onRequest: flags.quiet
          ? undefined
          : ({ method, path, statusCode, ms, requestId }) =>
              warn(`${method} ${redactText(path)} ${statusCode} ${ms.toFixed(1)} ms ${requestId}`),
        onError: (error) => warn(`optdb: request failed: ${redactText(error.message)}`),
      });
      say(
        `optdb: serving on ${server.url} (the dashboard; OpenAPI: ${server.url}${OPENAPI_PATH}${server.requiresToken ? '; token required' : ''})`,
      );
      await new Promise<void>((resolve) => {
        onInterrupt(async () => {
          warn('optdb: stopping: finishing the requests under way');
          await server.close();
          resolve();
        }, cfg.stopGraceMs);
      });
    });
}
