import type { WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { type Extra, makeBehavior } from 'graphql-ws/use/uWebSockets';
import type { IdentityCommands, Viewer } from './commands/identity.ts';
import { toClientError } from './errors.ts';
import { GRAPHQL_LIMITS, type Yoga } from './graphql.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { withoutSuggestions } from './request-errors.ts';
import { checkFrame, type EnvelopedRoot, prepareOperation } from './ws-operation.ts';

interface ConnectionState {
  viewer?: Viewer;
  ip?: string;
}

/**
 * Sockets this process may hold: its open-file limit less headroom for HTTP requests, the
 * database pool and its own files. Past the limit uWS cannot accept at all: it retries the
 * accept in a busy loop and nothing (health checks included) gets through until sockets close.
 */
function defaultMaxConnections(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const limit = Number(line?.split(/\s+/)[3]);
    if (Number.isFinite(limit))
      return Math.max(1, limit - Math.max(64, Math.min(1024, Math.ceil(limit / 20))));
  } catch {
    // not Linux: no limit known
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * graphql-ws (`graphql-transport-ws` only) on uWS, running every operation through Yoga's
 * envelop so the same plugins (limits, metrics, error masking) apply as over HTTP.
 * Authentication: a session token in the connection_init payload (`{ token }`), checked
 * again at every subscribe. Sockets are indexed by session so that signing out closes them.
 */
export class GraphQLSockets {
  private readonly bySession = new Map<string, Set<WebSocket<unknown>>>();
  private readonly all = new Set<WebSocket<unknown>>();
  readonly behavior: WebSocketBehavior<unknown>;
  private readonly logger: Logger;
  private readonly production: boolean;

  constructor(
    yoga: Yoga,
    private readonly identity: IdentityCommands,
    options: {
      logger: Logger;
      metrics: Metrics;
      /** Production: no name suggestions in error messages. */
      production?: boolean;
      originAllowed: (origin: string | undefined, host: string | undefined) => boolean;
      clientIp: (headers: Record<string, string | undefined>, socket: WebSocket<unknown>) => string;
      keepAliveMs?: number;
      /** Most open sockets; further upgrades get 503 (default: from the open-file limit). */
      maxConnections?: number;
    },
  ) {
    const { metrics, logger } = options;
    this.logger = logger;
    this.production = options.production ?? false;
    const state = (extra: Extra) => extra.socket as unknown as ConnectionState;
    const behavior = makeBehavior<{ token?: unknown }>(
      {
        onConnect: async (ctx) => {
          const token = ctx.connectionParams?.token;
          const viewer = typeof token === 'string' ? await this.identity.authenticate(token) : null;
          if (!viewer) return false; // graphql-ws closes with 4403 Forbidden
          const s = state(ctx.extra);
          s.viewer = viewer;
          s.ip = options.clientIp(
            ctx.extra.persistedRequest.headers as Record<string, string>,
            ctx.extra.socket,
          );
          let set = this.bySession.get(viewer.sessionId);
          if (!set) {
            set = new Set();
            this.bySession.set(viewer.sessionId, set);
          }
          set.add(ctx.extra.socket);
          // The session may have ended between the check and the registration.
          if (!this.identity.isViewerLive(viewer)) return false;
          return true;
        },
        onSubscribe: async (ctx, _id, payload) => {
          const s = state(ctx.extra);
          if (!s.viewer || !this.identity.isViewerLive(s.viewer)) {
            this.end(ctx.extra.socket, CloseCode.Forbidden, 'session ended');
            return [
              new GraphQLError('the session has ended: sign in again', {
                extensions: { code: 'UNAUTHENTICATED' },
              }),
            ];
          }
          // Everything an operation can trip over (limits that throw, parsing, validation,
          // context creation) answers an `error` for this id: it must never end the socket,
          // which carries the client's other subscriptions.
          try {
            return await prepareOperation(yoga, payload, {
              ws: { viewer: s.viewer },
              ip: s.ip ?? '',
              requestId: randomUUID(),
            });
          } catch (error) {
            return [this.operationError(error, 'BAD_INPUT')];
          }
        },
        // graphql-ws closes the socket (4500) when these throw: answer for the operation instead.
        execute: (args) => this.guard(() => (args.rootValue as EnvelopedRoot).execute(args)),
        subscribe: (args) => this.guard(() => (args.rootValue as EnvelopedRoot).subscribe(args)),
        onClose: (ctx) => {
          const viewer = state(ctx.extra).viewer;
          if (viewer) this.forget(viewer.sessionId, ctx.extra.socket);
        },
      },
      {
        maxPayloadLength: GRAPHQL_LIMITS.payload,
        idleTimeout: 60,
        // A consumer that cannot take what it is sent is closed rather than buffered for.
        maxBackpressure: 1024 * 1024,
        closeOnBackpressureLimit: 1,
        open: (ws) => {
          this.all.add(ws);
          metrics.connections.inc();
        },
        close: (ws) => {
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
      // Before connection_ack graphql-ws's own rules apply (4401 for an early subscribe).
      if (check.kind === 'pass' || !state({ socket: ws } as Extra).viewer)
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
    const maxConnections = options.maxConnections ?? defaultMaxConnections();
    behavior.upgrade = (res, req, context) => {
      if (this.all.size >= maxConnections) {
        res
          .writeStatus('503 Service Unavailable')
          .writeHeader('Retry-After', '30')
          .end('too many connections');
        return;
      }
      // Browsers let any page open a WebSocket to any host: only allowed origins may.
      if (!options.originAllowed(req.getHeader('origin') || undefined, req.getHeader('host') || undefined)) {
        logger.warn({ origin: req.getHeader('origin') }, 'websocket origin refused');
        res.writeStatus('403 Forbidden').end('origin not allowed');
        return;
      }
      upgrade(res, req, context);
    };
    this.behavior = behavior;
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

  private forget(sessionId: string, socket: WebSocket<unknown>): void {
    const set = this.bySession.get(sessionId);
    if (!set) return;
    set.delete(socket);
    if (set.size === 0) this.bySession.delete(sessionId);
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
    const set = this.bySession.get(sessionId);
    if (!set) return;
    this.bySession.delete(sessionId);
    for (const socket of set) this.end(socket, CloseCode.Forbidden, 'session ended');
  }

  /** Graceful shutdown: tell every client to reconnect (elsewhere). */
  closeAll(): void {
    for (const socket of [...this.all]) socket.end(1001, 'server shutting down');
  }

  get size(): number {
    return this.all.size;
  }
}
