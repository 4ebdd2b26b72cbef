import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { randomUUID } from 'node:crypto';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { getOperationAST } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { GraphQLContext, Services } from '../schema/context.ts';
import { schema } from '../schema/index.ts';
import type { Viewer } from './commands/identity.ts';
import type { Config } from './config.ts';
import { toClientError } from './errors.ts';
import { useInputNestingLimit } from './input-nesting.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { finishClientError, useRequestErrors } from './request-errors.ts';

/** What the uWS route and the WebSocket glue hand to Yoga as server context. */
export interface ServerContext {
  req?: HttpRequest;
  res?: HttpResponse;
  ip: string;
  requestId: string;
  /** Set for operations over graphql-ws: the viewer authenticated at connection_init. */
  ws?: { viewer: Viewer };
}

/** Fixed limits; depth and cost come from the configuration (GRAPHQL_MAX_DEPTH/COST). */
export const GRAPHQL_LIMITS = {
  aliases: 15,
  tokens: 2000,
  directives: 20,
  /** Bytes of an HTTP request body or a WebSocket message. */
  payload: 64 * 1024,
};

function useOperationMetrics(metrics: Metrics): Plugin {
  return {
    onExecute({ args }) {
      const op = getOperationAST(args.document, args.operationName);
      const labels = { operation: op?.name?.value ?? 'anonymous', kind: op?.operation ?? 'unknown' };
      return {
        onExecuteDone({ result }) {
          const failed = 'errors' in result && Array.isArray(result.errors) && result.errors.length > 0;
          metrics.operations.inc({ ...labels, outcome: failed ? 'error' : 'ok' });
        },
      };
    },
    onSubscribe({ args }) {
      const op = getOperationAST(args.document, args.operationName);
      metrics.operations.inc({
        operation: op?.name?.value ?? 'anonymous',
        kind: 'subscription',
        outcome: 'ok',
      });
    },
  };
}

export function createGraphQL(options: {
  config: Config;
  services: Services;
  logger: Logger;
  metrics: Metrics;
}) {
  const { config, services, logger, metrics } = options;
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // app.ts refuses POSTs without Content-Length or over the limit, and uWS reads exactly that
    // many bytes: Yoga's own limit would only re-stream every body through a TransformStream.
    maxRequestBodySize: false,
    graphiql: config.graphiql ? { subscriptionsProtocol: 'WS', title: 'CallVault GraphQL' } : false,
    renderGraphiQL,
    cors: {
      // Same-origin requests carry no Origin header, or one equal to the host's; both pass.
      origin: config.allowedOrigins,
      methods: ['GET', 'POST'],
      allowedHeaders: [
        'content-type',
        'authorization',
        'x-request-id',
        'x-graphql-yoga-csrf',
        'x-admin-token',
      ],
      credentials: false,
      maxAge: 600,
    },
    // Yoga reports every GraphQL error it returns; unexpected ones are logged by maskError.
    logging: {
      debug: (...a) => logger.debug({ yoga: a }),
      info: (...a) => logger.debug({ yoga: a }),
      warn: (...a) => logger.warn({ yoga: a }),
      error: (...a) => logger.debug({ yoga: a }),
    },
    maskedErrors: {
      maskError(error, message) {
        const mapped = toClientError(error, message);
        if (mapped?.extensions.code === 'INTERNAL_SERVER_ERROR')
          logger.error({ err: error }, 'unexpected error');
        return mapped ? finishClientError(mapped, error, config.production) : (error as Error);
      },
    },
    plugins: [
      useCSRFPrevention(),
      // Before the token limit: that plugin swaps in its own (recursive) parser.
      useInputNestingLimit(),
      maxTokensPlugin({ n: GRAPHQL_LIMITS.tokens }),
      // Introspection counts for depth too (GraphiQL's query is 12 deep; the default is 15).
      maxDepthPlugin({ n: config.graphqlLimits.depth, ignoreIntrospection: false }),
      costLimitPlugin({ maxCost: config.graphqlLimits.cost, ignoreIntrospection: true }),
      maxAliasesPlugin({ n: GRAPHQL_LIMITS.aliases }),
      maxDirectivesPlugin({ n: GRAPHQL_LIMITS.directives }),
      useRequestErrors(config.production),
      useOperationMetrics(metrics),
    ],
    context: async (init): Promise<GraphQLContext> => {
      const requestId = init.requestId ?? randomUUID();
      if (init.ws) return { services, viewer: init.ws.viewer, requestId, ip: init.ip };
      const auth = init.request.headers.get('authorization');
      const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : null;
      const viewer = token ? await services.identity.authenticate(token) : null;
      const adminToken = init.request.headers.get('x-admin-token') ?? undefined;
      return { services, viewer, requestId, ip: init.ip, adminToken };
    },
  });
}
export type Yoga = ReturnType<typeof createGraphQL>;
