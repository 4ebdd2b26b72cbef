import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../app/config.ts';
import { createApp } from './app.ts';
import { createLogger } from './logger.ts';
import { PROJECT_ROOT } from './project-root.ts';
import { startWithRetry } from './startup.ts';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env, pkg.version);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`callvault: bad configuration: ${error.message}`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

const logger = createLogger(config.logLevel);
// A SIGTERM while we wait for the database at start-up stops waiting and exits cleanly.
const starting = new AbortController();
const stopStarting = () => starting.abort(new Error('stopped while starting'));
process.once('SIGTERM', stopStarting);
process.once('SIGINT', stopStarting);
const app = await startWithRetry(() => createApp(config, { logger }), {
  logger,
  signal: starting.signal,
}).catch((error: Error) => {
  if (starting.signal.aborted) {
    logger.info('stopped before the database was reachable');
    process.exit(0);
  }
  logger.fatal({ err: error }, `cannot start: ${error.message}`);
  process.exit(1);
});
process.off('SIGTERM', stopStarting);
process.off('SIGINT', stopStarting);
const port = await app.listen(config.port);
logger.info(
  {
    port,
    mode: app.log.kind,
    durable: app.log.kind === 'postgres',
    graphiql: config.graphiql,
    turnMode: config.turn.mode,
    metricsPort: app.metricsPort(),
  },
  app.log.kind === 'memory'
    ? `CallVault listening on :${port} — demo mode: in-memory event log, nothing survives a restart`
    : `CallVault listening on :${port} — PostgreSQL event log`,
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: no new connections, finishing appends');
  app.close().then(
    () => {
      logger.info('stopped');
      process.exit(0);
    },
    (error: Error) => {
      logger.error({ err: error }, 'unclean shutdown');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
