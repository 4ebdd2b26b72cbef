import { createGraphQLError, type Plugin, processRegularResult } from 'graphql-yoga';

/**
 * HTTP answers JSON only; subscriptions are served over graphql-ws only.
 *
 * Yoga would also stream subscriptions over HTTP (Server-Sent Events for `Accept:
 * text/event-stream`, for `*\/*` and for no Accept at all; multipart/mixed for queries). Such a
 * stream escapes every session rule the WebSocket transport enforces (closed on sign-out and at
 * expiry, counted against MAX_CONNECTIONS, origin-checked at upgrade), so HTTP never streams:
 * docs/decisions.md, "Subscriptions over WebSocket only".
 */
const WHERE =
  'subscriptions are served over WebSocket only: graphql-ws (subprotocol graphql-transport-ws) at /graphql';

const JSON_TYPES = new Set(['*/*', 'application/*', 'application/json', 'application/graphql-response+json']);

/** Whether an Accept header admits a JSON answer (absent = anything), read as Yoga reads it. */
export function acceptsJson(accept: string | null): boolean {
  if (!accept) return true;
  return accept
    .replace(/\s/g, '')
    .toLowerCase()
    .split(',')
    .some((range) => {
      const [type, ...params] = range.split(';');
      const charset = params.find((p) => p.startsWith('charset='));
      return JSON_TYPES.has(type ?? '') && (!charset || charset === 'charset=utf-8');
    });
}

const transportError = (message: string, status: number) =>
  createGraphQLError(message, { extensions: { code: 'TRANSPORT_UNSUPPORTED', http: { status } } });

/** True for operations that came over HTTP (the WebSocket glue hands Yoga no Request). */
function overHttp(context: unknown): boolean {
  const c = context as { request?: unknown; ws?: unknown };
  return c.request !== undefined && c.ws === undefined;
}

export function useWebSocketOnlySubscriptions(): Plugin {
  return {
    // Refused before anything runs: Yoga picks the response format after executing, so a
    // mutation asked for as a stream would otherwise run and then be answered 406.
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'POST') return;
      if (acceptsJson(request.headers.get('accept'))) return;
      const body = {
        errors: [
          {
            message: `this endpoint answers JSON only (Accept: application/graphql-response+json or application/json); ${WHERE}`,
            extensions: { code: 'TRANSPORT_UNSUPPORTED' },
          },
        ],
      };
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: 406,
          headers: { 'content-type': 'application/json; charset=utf-8' },
        }),
      );
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (!overHttp(args.contextValue)) return;
      setResultAndStopExecution({ errors: [transportError(`${WHERE}, not over HTTP`, 400)] });
    },
    // Whatever the Accept header preferred, the answer is plain JSON (never SSE or multipart).
    onResultProcess({ resultProcessor, setResultProcessor }) {
      if (resultProcessor !== processRegularResult)
        setResultProcessor(processRegularResult, 'application/json');
    },
  };
}
