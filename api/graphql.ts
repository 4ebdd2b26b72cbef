import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { randomUUID } from 'node:crypto';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { execute, type GraphQLError, subscribe, type ValidationContext } from 'graphql';
import { createYoga, type GraphiQLOptions, type Plugin } from 'graphql-yoga';
import type { Config } from '../app/config.ts';
import type { Viewer } from '../app/services.ts';
import type { GraphQLContext, Services } from '../schema/context.ts';
import { schema } from '../schema/index.ts';
import { toClientError } from './errors.ts';
import { type OriginPolicy, originHeadersOf } from './http/origin.ts';
import { useSearchParamsJsonErrors } from './http/search-params.ts';
import { useWebSocketOnlySubscriptions } from './http/transports.ts';
import { useInputNestingLimit } from './input-nesting.ts';
import { useIntrospectionLimit } from './introspection-limit.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { perOperation, rootFields } from './operation-plan.ts';
import { finishClientError, useRequestErrors } from './request-errors.ts';
import { useSubscriptionRootDirectives } from './subscription-root-directives.ts';
import { useWellFormedInput } from './well-formed-input.ts';
import { PER_OPERATION_AUTH } from './ws-auth.ts';

/** What the uWS route and the WebSocket glue hand to Yoga as server context. */
export interface ServerContext {
  req?: HttpRequest;
  res?: HttpResponse;
  ip: string;
  requestId: string;
  /** Set for operations over graphql-ws: the viewer of the socket or of the operation (null: signed out). */
  ws?: { viewer: Viewer | null };
}

/** Fixed limits; depth and cost come from the configuration (GRAPHQL_MAX_DEPTH/COST). */
export const GRAPHQL_LIMITS = {
  aliases: 15,
  tokens: 2000,
  directives: 20,
  /** Bytes of an HTTP request body or a WebSocket message. */
  payload: 64 * 1024,
};

/**
 * graphql-armor's rules throw out of `validate()` by default. Yoga's HTTP path catches that, but
 * graphql-ws does not (a too-deep subscribe was an internal error that closed the socket):
 * reported as validation errors they are plain GraphQL errors on both transports.
 */
const REPORT = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/**
 * GraphiQL sends its headers editor with each operation, not in connection_init: its socket
 * asks for per-operation authentication (api/ws-auth.ts). Yoga's GraphiQL hands
 * `connectionParams` to its graphql-ws client, though its option type does not list it.
 */
const GRAPHIQL: GraphiQLOptions & { connectionParams: Record<string, unknown> } = {
  subscriptionsProtocol: 'WS',
  title: 'CallVault GraphQL',
  connectionParams: { [PER_OPERATION_AUTH]: true },
};

const CORS = {
  methods: ['GET', 'POST'],
  allowedHeaders: ['content-type', 'authorization', 'x-request-id', 'x-graphql-yoga-csrf', 'x-admin-token'],
  credentials: false,
  maxAge: 600,
};

/**
 * Metric labels bounded by the schema, never by client text: the operation's root field (the
 * field's name, not its alias), or 'multiple' when it selects several, and its kind. The
 * operation name is the client's to choose, and each new label value is a series kept until
 * the process exits. Runs after validation, so every name here is a field of the schema.
 */
const labelsOf = perOperation((operation, document) => {
  const names = new Set<string>();
  for (const field of rootFields(document, operation)) names.add(field.name.value);
  const [only] = names;
  return {
    field: names.size === 1 && only !== undefined ? only : names.size === 0 ? 'none' : 'multiple',
    kind: operation.operation,
  };
});

const UNKNOWN_OPERATION = { field: 'unknown', kind: 'unknown' };

/**
 * Operations run on graphql-js's own executor instead of Yoga's default (graphql-tools'
 * normalizedExecutor, which adds incremental delivery this API does not offer, and memoizes
 * sub-selections in WeakMaps keyed by each execution's variables: allocated anew on every
 * feed event and mutation). Issue 16.
 */
function useGraphQLJsExecutor(): Plugin {
  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn(execute);
    },
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe);
    },
  };
}

function useOperationMetrics(metrics: Metrics): Plugin {
  return {
    onExecute({ args }) {
      const { field, kind } = labelsOf(args.document, args.operationName, undefined) ?? UNKNOWN_OPERATION;
      return {
        onExecuteDone({ result }) {
          const failed = 'errors' in result && Array.isArray(result.errors) && result.errors.length > 0;
          metrics.countOperation(field, kind, failed ? 'error' : 'ok');
        },
      };
    },
    onSubscribe({ args }) {
      const { field } = labelsOf(args.document, args.operationName, undefined) ?? UNKNOWN_OPERATION;
      metrics.countOperation(field, 'subscription', 'ok');
    },
  };
}

export function createGraphQL(options: {
  config: Config;
  services: Services;
  logger: Logger;
  metrics: Metrics;
  originAllowed: OriginPolicy;
}) {
  const { config, services, logger, metrics, originAllowed } = options;
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // app.ts refuses POSTs without Content-Length or over the limit, and uWS reads exactly that
    // many bytes: Yoga's own limit would only re-stream every body through a TransformStream.
    maxRequestBodySize: false,
    graphiql: config.graphiql ? GRAPHIQL : false,
    // The GraphiQL bundle (~9 MB of JavaScript, ~70 MB of heap once parsed) is loaded on the
    // first GraphiQL request, never when GraphiQL is off.
    renderGraphiQL: async (options) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    // Only an allowed Origin is ever echoed (app.ts refuses the others before Yoga runs).
    // Never hand Yoga a list: `origin: []` reflects any Origin, and a one-item list is sent
    // whatever the request's Origin was.
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (!origin || !originAllowed(originHeadersOf(request))) return false;
      return { ...CORS, origin };
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
      useGraphQLJsExecutor(),
      useCSRFPrevention(),
      useSearchParamsJsonErrors(),
      // Before any plugin that walks the input recursively (the token limit swaps in its own
      // recursive parser).
      useInputNestingLimit(),
      useWellFormedInput(),
      useWebSocketOnlySubscriptions(),
      maxTokensPlugin({ n: GRAPHQL_LIMITS.tokens }),
      // A subscription with @skip/@include on a root field would be an internal error.
      useSubscriptionRootDirectives(),
      // Introspection has limits of its own (api/introspection-limit.ts): graphql-js's query,
      // which GraphiQL and schema tools send, is deeper than GRAPHQL_MAX_DEPTH.
      maxDepthPlugin({ n: config.graphqlLimits.depth, ignoreIntrospection: true, ...REPORT }),
      useIntrospectionLimit(),
      costLimitPlugin({ maxCost: config.graphqlLimits.cost, ignoreIntrospection: true, ...REPORT }),
      maxAliasesPlugin({ n: GRAPHQL_LIMITS.aliases, ...REPORT }),
      maxDirectivesPlugin({ n: GRAPHQL_LIMITS.directives, ...REPORT }),
      useRequestErrors(config.production),
      useOperationMetrics(metrics),
    ],
    context: async (init): Promise<GraphQLContext> => {
      const requestId = init.requestId ?? randomUUID();
      if (init.ws) return { services, viewer: init.ws.viewer, requestId, ip: init.ip };
      const auth = init.request.headers.get('authorization');
      const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : null;
      const viewer = token ? await services.queries.identity.authenticate(token) : null;
      const adminToken = init.request.headers.get('x-admin-token') ?? undefined;
      return { services, viewer, requestId, ip: init.ip, adminToken };
    },
  });
}
export type Yoga = ReturnType<typeof createGraphQL>;
