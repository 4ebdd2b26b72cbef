import { readFileSync } from 'node:fs';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
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
const app = await createApp(config, { logger }).catch((error: Error) => {
  logger.fatal({ err: error }, `cannot start: ${error.message}`);
  process.exit(1);
});
const port = await app.listen(config.port);
logger.info(
  {
    port,
    mode: app.log.kind,
    durable: app.log.kind === 'postgres',
    graphiql: config.graphiql,
    turnMode: config.turn.mode,
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
