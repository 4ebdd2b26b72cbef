import type { TemplatedApp, us_listen_socket, WebSocket } from 'uWebSockets.js';
import { type Application, composeApplication } from '../app/compose.ts';
import type { Config } from '../app/config.ts';
import type { ReadModels } from '../app/read-models.ts';
import type { Services } from '../app/services.ts';
import { openEventLog } from '../events/store/open.ts';
import { PostgresEventLog } from '../events/store/postgres/index.ts';
import type { EventLog } from '../events/store/types.ts';
import { createGraphQL } from './graphql.ts';
import { clientIp } from './http/client-ip.ts';
import { originPolicy } from './http/origin.ts';
import { remoteText, routes } from './http/routes.ts';
import { metricsRoute, notFound } from './http/status-routes.ts';
import { InFlight } from './in-flight.ts';
import { instrumentLog } from './instrument-log.ts';
import { listenExclusive, requireNativeUws } from './listen.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import uWS from './uws.ts';
import { GraphQLSockets } from './ws.ts';

export interface AppOptions {
  log?: EventLog;
  logger?: Logger;
  now?: () => Date;
  /** graphql-ws keep-alive ping interval (tests shorten it; default 12 s). */
  wsKeepAliveMs?: number;
}

export interface App {
  uws: TemplatedApp;
  log: EventLog;
  services: Services;
  sockets: GraphQLSockets;
  readModels: ReadModels;
  logger: Logger;
  /** Listens on `port` (0 = any free port); resolves to the port taken. Also METRICS_LISTEN. */
  listen(port: number, host?: string): Promise<number>;
  /** The port `/metrics` listens on with METRICS_LISTEN (after `listen`), else null. */
  metricsPort(): number | null;
  /** Stops accepting, closes sockets, lets queued appends commit, closes the log. */
  close(): Promise<void>;
}

/** Longest a shutdown waits for requests already taken to be answered. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Builds the whole server on one uWS app. It does not listen: main.ts (or a test) does. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  requireNativeUws();
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const metrics = createMetrics();
  const onError = (err: unknown) => logger.error({ err }, 'event log error');
  const store = options.log ?? (await openEventLog({ databaseUrl: config.databaseUrl, onError }));
  const log = instrumentLog(store, metrics);
  const application = await composeApplication({
    config,
    log,
    pool: store instanceof PostgresEventLog ? store.pool : undefined,
    now,
    onError,
    onLimitStoreError: (err) =>
      logger.error({ err }, 'rate-limit store failed: counting sign-in attempts per node meanwhile'),
  }).catch(async (error: unknown) => {
    // A start-up that fails half-way must not leave the log's connections behind: main.ts
    // retries with a fresh app.
    if (!options.log) await store.close().catch(() => {});
    throw error;
  });
  const { services, readModels } = application;
  logger.info({ push: services.pushCounters !== null }, application.pushNote);
  // One origin rule for CORS, the refusal of foreign POSTs and the WebSocket upgrade.
  const originAllowed = originPolicy(config);
  const yoga = createGraphQL({ config, services, logger, metrics, originAllowed });
  // Requests and WebSocket operations being answered, and whether shutdown has begun.
  const inFlight = new InFlight();
  let draining = false;
  const sockets = new GraphQLSockets(yoga, services.queries.identity, {
    logger,
    metrics,
    inFlight,
    production: config.production,
    ...(options.wsKeepAliveMs ? { keepAliveMs: options.wsKeepAliveMs } : {}),
    ...(config.maxConnections ? { maxConnections: config.maxConnections } : {}),
    originAllowed,
    sessionExpiresAt: (sessionId) => services.queries.identity.sessionExpiresAt(sessionId),
    now: () => now().getTime(),
    clientIp: (headers, ws: WebSocket<unknown>) =>
      clientIp(headers['x-forwarded-for'], () => remoteText(ws.getRemoteAddressAsText()), config.trustProxy),
  });
  watchReadModels(readModels, sockets, metrics);
  metrics.observePush(services.pushCounters);
  metrics.observeCalls(() => readModels.runners.calls.state.tally);
  const uws = routes({
    ...{ config, yoga, sockets, log, readModels, services, metrics, inFlight, originAllowed, now },
    draining: () => draining,
  });

  let listenSocket: us_listen_socket | null = null;
  const metricsApp = config.metrics.listen
    ? uWS
        .App()
        .get('/metrics', metricsRoute(metrics, { token: config.metrics.token, open: true }))
        .any('/*', notFound)
    : null;
  let metricsListen: { socket: us_listen_socket; port: number } | null = null;
  let closing: Promise<void> | null = null;
  return {
    uws,
    log,
    services,
    sockets,
    readModels,
    logger,
    async listen(port, host = config.host) {
      const listening = await listenExclusive(uws, host, port);
      listenSocket = listening.socket;
      if (metricsApp && config.metrics.listen) {
        const { host: mHost, port: mPort } = config.metrics.listen;
        metricsListen = await listenExclusive(metricsApp, mHost, mPort).catch((error: Error) => {
          if (listenSocket) uWS.us_listen_socket_close(listenSocket);
          listenSocket = null;
          throw new Error(`METRICS_LISTEN: ${error.message}`);
        });
      }
      return listening.port;
    },
    metricsPort: () => metricsListen?.port ?? null,
    close() {
      if (listenSocket) uWS.us_listen_socket_close(listenSocket);
      listenSocket = null;
      if (metricsListen) uWS.us_listen_socket_close(metricsListen.socket);
      metricsListen = null;
      (metricsApp as (TemplatedApp & { close(): void }) | null)?.close();
      draining = true;
      closing ??= shutDown({ inFlight, logger, sockets, application, log, uws });
      return closing;
    },
  };
}

/** Closes sessions' sockets when they end, and measures how far the read models are. */
function watchReadModels(readModels: ReadModels, sockets: GraphQLSockets, metrics: Metrics): void {
  readModels.onEvent(({ recorded, ...c }) => {
    if (c.domain === 'identity' && c.event.type === 'SessionEnded')
      sockets.closeSession(c.event.data.sessionId);
    // Commit → this node's read models and feeds (what a live subscriber waits at least).
    metrics.subscriptionLagSeconds.observe(Math.max(0, Date.now() - recorded.time.getTime()) / 1000);
    metrics.projectionPosition.set(recorded.position);
  });
}

/** The shutdown sequence, once the listen socket is closed and new requests are refused. */
async function shutDown(parts: {
  inFlight: InFlight;
  logger: Logger;
  sockets: GraphQLSockets;
  application: Application;
  log: EventLog;
  uws: TemplatedApp;
}): Promise<void> {
  const { inFlight, logger, sockets, application, log, uws } = parts;
  // Answer every request already taken before anything stops: its append commits and the
  // read models it waits for (`waitFor`) must still be running. Stopping the read models
  // first left such a request hanging until the socket was cut.
  if (!(await inFlight.idle(SHUTDOWN_GRACE_MS)))
    logger.warn({ inFlight: inFlight.size }, 'shutdown: requests still unanswered after the grace period');
  sockets.closeAll();
  await application.stopReactors();
  // Appends queued by anything else (ring timers) commit, then the log stops feeding the
  // read models, then they stop.
  await log.close();
  await application.close();
  // Let uWS flush what was written last (answers, close frames) before closing all.
  await new Promise((resolve) => setImmediate(resolve));
  (uws as TemplatedApp & { close(): void }).close();
}
