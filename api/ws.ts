import type { WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import { randomUUID } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { type Extra, makeBehavior } from 'graphql-ws/use/uWebSockets';
import type { IdentityQueries } from '../app/identity/queries.ts';
import type { Viewer } from '../app/services.ts';
import { connectionCapacity } from './connection-capacity.ts';
import { toClientError } from './errors.ts';
import { GRAPHQL_LIMITS, type Yoga } from './graphql.ts';
import { type OriginPolicy, originHeaders } from './http/origin.ts';
import type { InFlight } from './in-flight.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { withoutSuggestions } from './request-errors.ts';
import { bearerFromExtensions, PER_OPERATION_AUTH } from './ws-auth.ts';
import { CorkedSends } from './ws-cork.ts';
import { checkFrame, type EnvelopedRoot, prepareOperation } from './ws-operation.ts';
import { SessionSockets } from './ws-sessions.ts';

interface ConnectionState {
  /** The session of connection_init; unset on a per-operation socket. */
  viewer?: Viewer;
  /** Opened with `{ perOperationAuth: true }`: each operation brings its own token, or none. */
  perOperation?: boolean;
  /** Every session this socket has served (closed when any of them ends). */
  sessions?: Set<string>;
  ip?: string;
}

/**
 * Operations one socket may run at once (live subscriptions and queries or mutations being
 * answered). Each holds an iterator and its buffers, so without a bound one signed-in client
 * could hold any amount of server memory on a single connection.
 */
export const MAX_OPERATIONS_PER_SOCKET = 100;

/** An error as sent, without the HTTP-only `extensions.http`. */
function withoutHttp(error: GraphQLError): GraphQLFormattedError {
  const { http: _http, ...extensions } = error.extensions ?? {};
  return { ...error.toJSON(), extensions };
}

/**
 * graphql-ws (`graphql-transport-ws` only) on uWS, running every operation through Yoga's
 * envelop so the same plugins (limits, metrics, error masking) apply as over HTTP.
 * Authentication: a session token in the connection_init payload (`{ token }`), checked
 * again at every subscribe. Sockets are indexed by session so that signing out closes them.
 */
export class GraphQLSockets {
  private readonly all = new Set<WebSocket<unknown>>();
  /** A socket's frames of one turn go out in one write (issue 16). */
  private readonly corked = new CorkedSends();
  /** The sockets of each session: closed at sign-out and when the session expires. */
  private readonly sessions: SessionSockets<WebSocket<unknown>>;
  readonly behavior: WebSocketBehavior<unknown>;
  private readonly logger: Logger;
  private readonly production: boolean;

  constructor(
    yoga: Yoga,
    private readonly identity: IdentityQueries,
    options: {
      logger: Logger;
      metrics: Metrics;
      originAllowed: OriginPolicy;
      /** Production: no name suggestions in error messages. */
      production?: boolean;
      clientIp: (headers: Record<string, string | undefined>, socket: WebSocket<unknown>) => string;
      keepAliveMs?: number;
      /** Most open sockets; further upgrades get 503 (default: from the open-file limit). */
      maxConnections?: number;
      /** When a session expires (ms since the epoch), by the server's clock `now`. */
      sessionExpiresAt?: (sessionId: string) => number | undefined;
      now?: () => number;
      /** Queries and mutations being answered (graceful shutdown waits for them). */
      inFlight?: InFlight;
    },
  ) {
    this.sessions = new SessionSockets(
      options.sessionExpiresAt ?? (() => undefined),
      options.now ?? Date.now,
      (socket) => this.end(socket, CloseCode.Forbidden, 'session ended'),
    );
    const { metrics, logger } = options;
    this.logger = logger;
    this.production = options.production ?? false;
    const state = (extra: Extra) => extra.socket as unknown as ConnectionState;
    const behavior = makeBehavior<{ token?: unknown; [PER_OPERATION_AUTH]?: unknown }>(
      {
        onConnect: async (ctx) => {
          const s = state(ctx.extra);
          s.ip = options.clientIp(
            ctx.extra.persistedRequest.headers as Record<string, string>,
            ctx.extra.socket,
          );
          const token = ctx.connectionParams?.token;
          if (token === undefined && ctx.connectionParams?.[PER_OPERATION_AUTH] === true) {
            s.perOperation = true;
            return true;
          }
          const viewer = typeof token === 'string' ? await this.identity.authenticate(token) : null;
          if (!viewer) return false; // graphql-ws closes with 4403 Forbidden
          s.viewer = viewer;
          this.register(viewer.sessionId, ctx.extra.socket);
          // The session may have ended between the check and the registration.
          if (!this.identity.isViewerLive(viewer)) return false;
          return true;
        },
        onSubscribe: async (ctx, _id, payload) => {
          // graphql-ws has already entered this id in ctx.subscriptions: it counts itself.
          if (Object.keys(ctx.subscriptions).length > MAX_OPERATIONS_PER_SOCKET) {
            return [
              new GraphQLError(
                `too many operations at once on this connection (at most ${MAX_OPERATIONS_PER_SOCKET}): complete some first`,
                { extensions: { code: 'RATE_LIMITED' } },
              ),
            ];
          }
          const s = state(ctx.extra);
          const unauthenticated = (message: string) => [
            new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } }),
          ];
          let viewer: Viewer | null = null;
          if (s.perOperation) {
            // Checked at every subscribe, like a session socket; a refusal ends this operation only.
            const token = bearerFromExtensions(payload.extensions);
            if (token) {
              viewer = await this.identity.authenticate(token);
              if (!viewer)
                return unauthenticated('the session has ended or the token is wrong: sign in again');
              // Signing out closes every socket the session used, this one included.
              this.register(viewer.sessionId, ctx.extra.socket);
              // The session may have ended between the check and the registration.
              if (!this.identity.isViewerLive(viewer))
                return unauthenticated('the session has ended: sign in again');
            }
          } else {
            if (!s.viewer || !this.identity.isViewerLive(s.viewer)) {
              this.end(ctx.extra.socket, CloseCode.Forbidden, 'session ended');
              return unauthenticated('the session has ended: sign in again');
            }
            viewer = s.viewer;
          }
          // Everything an operation can trip over (limits that throw, parsing, validation,
          // context creation) answers an `error` for this id: it must never end the socket,
          // which carries the client's other subscriptions.
          try {
            return await prepareOperation(yoga, payload, {
              ws: { viewer },
              ip: s.ip ?? '',
              requestId: randomUUID(),
            });
          } catch (error) {
            return [this.operationError(error, 'BAD_INPUT')];
          }
        },
        execute: (args) => {
          // Queries and mutations count as in flight until their answer has been sent: the
          // send happens in the microtasks after the result resolves, hence setImmediate.
          // graphql-ws closes the socket (4500) when execute throws: answer for the operation.
          const done = options.inFlight?.begin();
          return this.guard(() => (args.rootValue as EnvelopedRoot).execute(args)).finally(() =>
            setImmediate(() => done?.()),
          );
        },
        // `extensions.http` (status and headers for HTTP, e.g. 503 + Retry-After) means
        // nothing over a socket: Yoga strips it from HTTP answers, so strip it here too.
        onNext: (_ctx, _id, _payload, _args, result) => {
          if (!result.errors?.some((e) => e.extensions?.http)) return;
          return { ...result, errors: result.errors.map(withoutHttp) };
        },
        // Also reached when a running subscription's stream throws, which graphql-ws turns
        // into an error with the raw message: mask what is not a known refusal, as over HTTP.
        onError: (_ctx, _id, _payload, errors) =>
          errors.map((e) =>
            withoutHttp(
              e.extensions?.code ? e : this.operationError(e.originalError ?? e, 'INTERNAL_SERVER_ERROR'),
            ),
          ),
        subscribe: (args) => this.guard(() => (args.rootValue as EnvelopedRoot).subscribe(args)),
        onClose: (ctx) => {
          for (const sessionId of state(ctx.extra).sessions ?? [])
            this.sessions.remove(sessionId, ctx.extra.socket);
        },
      },
      {
        maxPayloadLength: GRAPHQL_LIMITS.payload,
        idleTimeout: 60,
        // A consumer that cannot take what it is sent is closed rather than buffered for.
        maxBackpressure: 1024 * 1024,
        closeOnBackpressureLimit: 1,
        open: (ws) => {
          this.corked.attach(ws);
          this.all.add(ws);
          metrics.connections.inc();
        },
        close: (ws) => {
          this.corked.forget(ws);
          this.all.delete(ws);
          metrics.connections.dec();
        },
      },
      options.keepAliveMs ?? 12_000,
    );
    const handleMessage = behavior.message!;
    behavior.message = (ws, message, isBinary) => {
      const check = checkFrame(Buffer.from(message).toString());
      if (check.kind === 'invalid') {
        this.end(ws, CloseCode.BadRequest, check.reason);
        return;
      }
      // Before connection_ack graphql-ws's own rules apply (4401 for an early subscribe);
      // acknowledged means a session, or per-operation auth.
      const acked = state({ socket: ws } as Extra);
      if (check.kind === 'pass' || !(acked.viewer || acked.perOperation))
        return handleMessage(ws, message, isBinary);
      ws.send(
        JSON.stringify({
          id: check.id,
          type: 'error',
          payload: [{ message: check.message, extensions: { code: 'BAD_INPUT' } }],
        }),
      );
    };
    const upgrade = behavior.upgrade!;
    const maxConnections = options.maxConnections ?? connectionCapacity();
    behavior.upgrade = (res, req, context) => {
      if (this.all.size >= maxConnections) {
        res
          .writeStatus('503 Service Unavailable')
          .writeHeader('Retry-After', '30')
          .end('too many connections');
        return;
      }
      // Browsers let any page open a WebSocket to any host: only allowed origins may.
      if (!options.originAllowed(originHeaders(req))) {
        logger.warn({ origin: req.getHeader('origin') }, 'websocket origin refused');
        res.writeStatus('403 Forbidden').end('origin not allowed');
        return;
      }
      upgrade(res, req, context);
    };
    this.behavior = behavior;
  }

  private register(sessionId: string, socket: WebSocket<unknown>): void {
    const s = socket as unknown as ConnectionState;
    s.sessions ??= new Set();
    s.sessions.add(sessionId);
    this.sessions.add(sessionId, socket);
  }

  private async guard(run: () => unknown): Promise<never> {
    try {
      return (await run()) as never;
    } catch (error) {
      return { errors: [this.operationError(error, 'INTERNAL_SERVER_ERROR')] } as never;
    }
  }

  /** What the client reads when preparing or starting an operation failed. */
  private operationError(error: unknown, fallback: string): GraphQLError {
    const mapped = toClientError(error, 'Unexpected error.');
    if (mapped && mapped.extensions.code !== 'INTERNAL_SERVER_ERROR') return this.tidy(mapped, fallback);
    // A stack overflow here can only come from the shape of the input.
    if (error instanceof RangeError) {
      return new GraphQLError('the operation is too deeply nested', { extensions: { code: 'BAD_INPUT' } });
    }
    this.logger.error({ err: error }, 'unexpected error');
    return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }

  private tidy(error: GraphQLError, fallbackCode: string): GraphQLError {
    if (this.production) error.message = withoutSuggestions(error.message);
    if (error.extensions.code === undefined)
      Object.assign(error, { extensions: { ...error.extensions, code: fallbackCode } });
    return error;
  }

  /**
   * Closes a socket after the current handler returns (graphql-ws may still be using it),
   * and only if it is still open: a closed uWS socket throws on any use.
   */
  private end(socket: WebSocket<unknown>, code: number, reason: string): void {
    setImmediate(() => {
      if (this.all.has(socket)) socket.end(code, reason);
    });
  }

  /** Closes every socket of a session (it was signed out, here or on another node). */
  closeSession(sessionId: string): void {
    this.sessions.end(sessionId);
  }

  /** Graceful shutdown: tell every client to reconnect (elsewhere). */
  closeAll(): void {
    this.sessions.clear();
    for (const socket of [...this.all]) socket.end(1001, 'server shutting down');
  }

  get size(): number {
    return this.all.size;
  }
}
