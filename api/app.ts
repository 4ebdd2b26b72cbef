import uWS, { type HttpRequest, type HttpResponse, type TemplatedApp, type WebSocket } from 'uWebSockets.js';
import { openEventLog } from '../events/store/open.ts';
import { PostgresEventLog } from '../events/store/postgres/index.ts';
import type { EventLog } from '../events/store/types.ts';
import type { Services } from '../schema/context.ts';
import { InMemoryOneTimeStore, type OneTimeStore, PostgresOneTimeStore } from './auth/one-time.ts';
import { CallCommands } from './commands/calls.ts';
import { ContactCommands } from './commands/contacts.ts';
import { IdentityCommands } from './commands/identity.ts';
import { MessageCommands } from './commands/messages.ts';
import type { Config } from './config.ts';
import { FeedHub } from './feed.ts';
import { createGraphQL, GRAPHQL_LIMITS } from './graphql.ts';
import { clientIp } from './http/client-ip.ts';
import { health } from './http/health.ts';
import { iceVerify } from './http/ice.ts';
import { originHeaders, originPolicy, refuseOrigin } from './http/origin.ts';
import { requestIdFrom } from './http/request-id.ts';
import { respondAsync, sendJson } from './http/respond.ts';
import { webApp } from './http/static.ts';
import { InFlight } from './in-flight.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { RateLimiter } from './rate-limit.ts';
import { ReadModels } from './read-models.ts';
import { openAttemptLimiter } from './shared-rate-limit.ts';
import { InMemorySignalBus, PostgresSignalBus, type SignalBus } from './signals.ts';
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
  /** Listens on `port` (0 = any free port); resolves to the port taken. */
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, closes sockets, lets queued appends commit, closes the log. */
  close(): Promise<void>;
}

const text = (ab: ArrayBuffer) => Buffer.from(ab).toString();

/** Longest a shutdown waits for requests already taken to be answered. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * `listen(host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, cb)`: without the flag uWS shares a taken
 * port silently (SO_REUSEPORT). The typings of this build lack the four-argument form.
 */
const EXCLUSIVE = (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;
function listenExclusive(
  app: TemplatedApp,
  host: string,
  port: number,
  cb: (socket: uWS.us_listen_socket | false) => void,
): void {
  (app.listen as unknown as (h: string, p: number, o: number, c: typeof cb) => void)(
    host,
    port,
    EXCLUSIVE,
    cb,
  );
}

/** Builds the whole server on one uWS app. It does not listen: main.ts (or a test) does. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  if (!('LIBUS_LISTEN_EXCLUSIVE_PORT' in uWS)) {
    throw new Error(
      'uWebSockets.js loaded its slow JavaScript fallback, not the native build: refusing to start',
    );
  }
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const metrics = createMetrics();
  const onError = (err: unknown) => logger.error({ err }, 'event log error');
  const log = options.log ?? (await openEventLog({ databaseUrl: config.databaseUrl, onError }));
  const oneTime: OneTimeStore =
    log instanceof PostgresEventLog ? new PostgresOneTimeStore(log.pool) : new InMemoryOneTimeStore();

  // Append latency, whoever appends (commands, ring timers): measured at the log itself.
  const append = log.append.bind(log);
  log.append = async (...args) => {
    const done = metrics.appendSeconds.startTimer();
    try {
      return await append(...args);
    } finally {
      done();
    }
  };

  const readModels = new ReadModels(log, onError);
  // A start-up that fails half-way (the database went away again) must not leave the log's
  // connections and timers behind: main.ts retries with a fresh app.
  const abandon = async (error: unknown): Promise<never> => {
    await readModels.stop().catch(() => {});
    if (!options.log) await log.close().catch(() => {});
    throw error;
  };
  await readModels.start().catch(abandon);
  const feed = new FeedHub(log, readModels);
  feed.start();
  const identity = new IdentityCommands({
    log,
    oneTime,
    readModels,
    now,
    sessionTtlMs: config.sessionTtlHours * 3600 * 1000,
  });
  const signals: SignalBus =
    log instanceof PostgresEventLog && config.databaseUrl
      ? await PostgresSignalBus.open(log.pool, config.databaseUrl, onError).catch(abandon)
      : new InMemorySignalBus();
  // Sign-in limits live beside the log: shared by every node, kept across restarts.
  const limiterStore = {
    ...(log instanceof PostgresEventLog ? { pool: log.pool } : {}),
    onStoreError: (err: unknown) =>
      logger.error({ err }, 'rate-limit store failed: counting sign-in attempts per node meanwhile'),
  };
  const services: Services = {
    identity,
    contacts: new ContactCommands(log, readModels),
    messages: new MessageCommands(
      log,
      readModels,
      new RateLimiter(config.messageRate.burst, config.messageRate.perMinute / 60),
      now,
    ),
    calls: new CallCommands({
      log,
      readModels,
      oneTime,
      config,
      now,
      ringTimeoutMs: config.ringTimeoutSeconds * 1000,
      onError,
    }),
    adminToken: config.adminToken,
    feed,
    signals,
    mode: log.kind,
    version: config.version,
    limits: {
      authByIp: await openAttemptLimiter({
        name: 'auth-ip',
        burst: config.authRate.burst,
        perMinute: config.authRate.perMinute,
        ...limiterStore,
      }),
      // Sign-ins for one identity, from anywhere: half the per-IP budget.
      authByIdentity: await openAttemptLimiter({
        name: 'auth-identity',
        burst: Math.max(1, config.authRate.burst >> 1),
        perMinute: config.authRate.perMinute / 2,
        ...limiterStore,
      }),
      // Typing signals: a burst of 10, then two a second per identity.
      typing: new RateLimiter(10, 2),
    },
  };
  services.calls.start();
  // One origin rule for CORS, the refusal of foreign POSTs and the WebSocket upgrade.
  const originAllowed = originPolicy(config);
  const yoga = createGraphQL({ config, services, logger, metrics, originAllowed });

  const ipOf = (forwarded: string | undefined, remote: () => string) =>
    clientIp(forwarded, remote, config.trustProxy);
  // Requests and WebSocket operations being answered, and whether shutdown has begun.
  const inFlight = new InFlight();
  let draining = false;
  const sockets = new GraphQLSockets(yoga, identity, {
    logger,
    metrics,
    inFlight,
    production: config.production,
    ...(options.wsKeepAliveMs ? { keepAliveMs: options.wsKeepAliveMs } : {}),
    ...(config.maxConnections ? { maxConnections: config.maxConnections } : {}),
    originAllowed,
    sessionExpiresAt: (sessionId) => readModels.directory.state.sessionsById.get(sessionId)?.expiresAt,
    now: () => now().getTime(),
    clientIp: (headers, ws: WebSocket<unknown>) =>
      ipOf(headers['x-forwarded-for'], () => text(ws.getRemoteAddressAsText())),
  });
  readModels.onEvent((e) => {
    if (e.type === 'SessionEnded') sockets.closeSession(String(e.data.sessionId));
    // Commit → this node's read models and feeds (what a live subscriber waits at least).
    metrics.subscriptionLagSeconds.observe(Math.max(0, Date.now() - e.time.getTime()) / 1000);
    metrics.projectionPosition.set(e.position);
  });

  const sweeper = setInterval(() => {
    oneTime.sweep(now()).catch(onError);
  }, 60_000);
  sweeper.unref();

  const graphqlRoute = (res: HttpResponse, req: HttpRequest) => {
    const method = req.getMethod();
    // Refused before Yoga sees it: a browser would hide the answer from a foreign page, but a
    // mutation would already have run. Preflights are refused too, so the browser never sends.
    const origin = originHeaders(req);
    if (!originAllowed(origin)) {
      refuseOrigin(res, origin.origin);
      return;
    }
    if (method === 'post') {
      const length = req.getHeader('content-length');
      if (!length) {
        sendJson(res, '411 Length Required', { errors: [{ message: 'POST needs a Content-Length' }] });
        return;
      }
      if (Number(length) > GRAPHQL_LIMITS.payload) {
        sendJson(res, '413 Payload Too Large', {
          errors: [
            {
              message: `request body over ${GRAPHQL_LIMITS.payload} bytes`,
              extensions: { code: 'PAYLOAD_TOO_LARGE' },
            },
          ],
        });
        return;
      }
    }
    if (method === 'options') {
      // Yoga's preflight response carries Content-Length: 0 and uWS adds its own: a response
      // with two is refused by strict clients (Node's fetch), so drop Yoga's.
      const writeHeader = res.writeHeader.bind(res);
      res.writeHeader = (key, value) =>
        String(key).toLowerCase() === 'content-length' ? res : writeHeader(key, value);
    }
    const ip = ipOf(req.getHeader('x-forwarded-for') || undefined, () => text(res.getRemoteAddressAsText()));
    const requestId = requestIdFrom(req.getHeader('x-request-id') || undefined);
    if (draining) {
      // Shutting down: requests already taken are being answered; a new one goes elsewhere.
      sendJson(
        res,
        '503 Service Unavailable',
        { errors: [{ message: 'the server is shutting down: retry', extensions: { code: 'UNAVAILABLE' } }] },
        { 'Retry-After': '1', Connection: 'close' },
      );
      return;
    }
    // Every HTTP answer is one JSON document (subscriptions are WebSocket-only), so each request
    // is in flight until answered. uWS flushes a response written outside its own callbacks on
    // the next loop turn: count the request as answered only then, or a shutdown could close
    // the socket first.
    const done = inFlight.begin();
    Promise.resolve(yoga(res, req, { ip, requestId })).finally(() => setImmediate(done));
  };

  const uws = uWS
    .App()
    .ws('/graphql', sockets.behavior)
    .any('/graphql', graphqlRoute)
    .get('/api/health', (res) => {
      respondAsync(res, () =>
        health({
          log,
          readModelFailure: readModels.failure,
          position: readModels.position,
          connections: sockets.size,
          version: config.version,
        }),
      );
    })
    .get('/api/ice-verify', (res) => {
      // Probes run at most once per 10 s, whatever the polling rate.
      respondAsync(res, async () => {
        const t = Date.now();
        if (!iceCache || t - iceCache.at > 10_000) {
          iceCache = { at: t, report: iceVerify(config, config.iceProbeTimeoutMs, now().getTime()) };
        }
        const report = await iceCache.report;
        return { status: report.status === 'ok' ? '200 OK' : '503 Service Unavailable', body: report };
      });
    })
    .get('/metrics', (res) => {
      respondAsync(res, async () => ({
        status: '200 OK',
        body: await metrics.registry.metrics(),
        type: metrics.registry.contentType,
      }));
    })
    // The web app's files and routes; anything it does not serve yields to the 404 below.
    .get('/*', webApp())
    .any('/*', (res) => {
      sendJson(res, '404 Not Found', { error: 'not found' });
    });

  let iceCache: { at: number; report: ReturnType<typeof iceVerify> } | null = null;
  let listenSocket: uWS.us_listen_socket | null = null;
  let closing: Promise<void> | null = null;
  return {
    uws,
    log,
    services,
    sockets,
    readModels,
    logger,
    listen(port, host = config.host) {
      return new Promise((resolve, reject) => {
        listenExclusive(uws, host, port, (socket) => {
          if (!socket) {
            reject(new Error(`cannot listen on ${host}:${port} (in use, or not permitted)`));
            return;
          }
          listenSocket = socket;
          resolve(uWS.us_socket_local_port(socket));
        });
      });
    },
    close() {
      closing ??= (async () => {
        if (listenSocket) uWS.us_listen_socket_close(listenSocket);
        listenSocket = null;
        draining = true;
        // Answer every request already taken before anything stops: its append commits
        // and the read models it waits for (`waitFor`) must still be running. Stopping the
        // read models first left such a request hanging until the socket was cut.
        if (!(await inFlight.idle(SHUTDOWN_GRACE_MS)))
          logger.warn(
            { inFlight: inFlight.size },
            'shutdown: requests still unanswered after the grace period',
          );
        sockets.closeAll();
        clearInterval(sweeper);
        feed.stop();
        services.calls.stop();
        // Appends queued by anything else (ring timers) commit, then the log stops feeding
        // the read models, then they stop.
        await log.close();
        await readModels.stop();
        await signals.close();
        // Let uWS flush what was written last (answers, close frames) before closing all.
        await new Promise((resolve) => setImmediate(resolve));
        (uws as TemplatedApp & { close(): void }).close();
      })();
      return closing;
    },
  };
}
