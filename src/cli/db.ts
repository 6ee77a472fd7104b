import type { Command } from 'commander';
import type { Config } from '../config.js';
import { EmbeddedServer } from '../db/embedded-server.js';
import { OptdbError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { say, warn } from './output.js';

/** `optdb db start|stop|status|url`: the embedded server, for psql, Prisma Studio and friends. */
export function registerDb(program: Command, config: () => Config): void {
  const db = program.command('db').description('manage the embedded PostgreSQL server');

  db.command('start')
    .description('start the embedded server and leave it running')
    .action(async () => {
      const server = embedded(config());
      const { url, startedNow } = await server.start();
      say(`${startedNow ? 'started' : 'already running'}: ${redactUrl(url)}`);
      printConnectHint(server, url);
    });

  db.command('stop')
    .description('stop the embedded server')
    .action(async () => {
      say((await embedded(config()).stop()) ? 'stopped' : 'not running');
    });

  db.command('status')
    .description('show whether the embedded server is running; exit 3 if it is not')
    .action(async () => {
      const cfg = config();
      if (cfg.databaseUrl !== undefined) {
        say(`using DATABASE_URL: ${redactUrl(cfg.databaseUrl)} (the embedded server is not used)`);
        return;
      }
      const server = embedded(cfg);
      const status = await server.status();
      say(`data directory: ${server.clusterDir}`);
      if (!status.initialised) say('not initialised (created on first use)');
      else if (status.running) say(`running: pid ${status.pid}, ${redactUrl(await server.url())}`);
      else say(`stopped (port ${status.port} when running)`);
      if (!status.running) process.exitCode = 3;
    });

  db.command('url')
    .description('print the connection URL (password redacted)')
    .action(async () => {
      const cfg = config();
      if (cfg.databaseUrl !== undefined) {
        say(redactUrl(cfg.databaseUrl));
        return;
      }
      const server = embedded(cfg);
      if (!(await server.status()).initialised) {
        throw new OptdbError('EMBEDDED_SERVER', 'The embedded server has not been created yet.', { remedy: 'Run `optdb db start`.' });
      }
      const url = await server.url();
      say(redactUrl(url));
      printConnectHint(server, url);
    });
}

function embedded(config: Config): EmbeddedServer {
  if (config.databaseUrl !== undefined) {
    throw new OptdbError('CONFIG_INVALID', 'DATABASE_URL is set: `optdb db` manages only the embedded server.', {
      remedy: 'Unset DATABASE_URL to use the embedded server.',
    });
  }
  return new EmbeddedServer(config.dataDir, config.embeddedPort);
}

function printConnectHint(server: EmbeddedServer, url: string): void {
  const withoutPassword = url.replace(/:\/\/([^:]+):[^@]*@/, '://$1@');
  warn(`connect: PGPASSWORD="$(cat ${server.passwordFile})" psql '${withoutPassword}'`);
}
