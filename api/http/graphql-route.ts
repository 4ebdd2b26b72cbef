import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { GRAPHQL_LIMITS } from '../graphql.ts';
import type { InFlight } from '../in-flight.ts';
import { type OriginPolicy, originHeaders, refuseOrigin } from './origin.ts';
import { requestIdFrom } from './request-id.ts';
import { sendJson } from './respond.ts';

/** What the HTTP GraphQL route needs from the app. */
export interface GraphQLRouteOptions {
  /** Yoga's uWS handler, given the server context (client IP, request id). */
  yoga: (res: HttpResponse, req: HttpRequest, ctx: { ip: string; requestId: string }) => unknown;
  originAllowed: OriginPolicy;
  /** The client's IP for this request (X-Forwarded-For as far as trusted, else the peer). */
  ipOf: (res: HttpResponse, req: HttpRequest) => string;
  inFlight: InFlight;
  /** True once shutdown has begun. */
  draining: () => boolean;
}

/** `/graphql` over HTTP: origin and size checks before Yoga, in-flight counting for shutdown. */
export function graphqlRoute(options: GraphQLRouteOptions) {
  const { yoga, originAllowed, ipOf, inFlight, draining } = options;
  return (res: HttpResponse, req: HttpRequest) => {
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
    const ip = ipOf(res, req);
    const requestId = requestIdFrom(req.getHeader('x-request-id') || undefined);
    if (draining()) {
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
}
