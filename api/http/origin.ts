import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { Config } from '../../app/config.ts';
import { sendJson } from './respond.ts';

/** The request headers that say which page sent a request and where it was sent to. */
export interface OriginHeaders {
  origin: string | undefined;
  host: string | undefined;
  forwardedHost: string | undefined;
  forwardedProto: string | undefined;
}

/** Decides whether a browser page at the request's `Origin` may use the API. */
export type OriginPolicy = (headers: OriginHeaders) => boolean;

/** The first value of a header a chain of proxies may have appended to. */
const first = (value: string | undefined) => value?.split(',')[0]?.trim() || undefined;

/**
 * The one origin rule for HTTP (CORS and the refusal before execution) and the WebSocket
 * upgrade. Allowed: requests without an Origin (not a browser, or a same-origin navigation),
 * the origins in ALLOWED_ORIGINS (exactly as a browser serialises them), and the server's own
 * origin. Everything else is refused, `Origin: null` (sandboxed frames, files) included.
 *
 * The server's own origin is the scheme and Host the browser used. Behind a proxy
 * (TRUST_PROXY) those are X-Forwarded-Proto/-Host; without it the forwarded headers could be
 * sent by anyone and are ignored, and since the server cannot tell whether a TLS proxy sits in
 * front, both http and https of the request's Host count as its own.
 */
export function originPolicy(config: Pick<Config, 'allowedOrigins' | 'trustProxy'>): OriginPolicy {
  const allowed = new Set(config.allowedOrigins);
  return ({ origin, host, forwardedHost, forwardedProto }) => {
    if (origin === undefined || origin === '') return true;
    if (allowed.has(origin)) return true;
    const publicHost = (config.trustProxy && first(forwardedHost)) || host;
    if (!publicHost) return false;
    const proto = config.trustProxy ? first(forwardedProto)?.toLowerCase() : undefined;
    const schemes = proto ? [proto] : ['http', 'https'];
    return schemes.some((scheme) => ownOrigin(scheme, publicHost) === origin);
  };
}

/** The origin a browser sends for a page at scheme://host (default ports dropped, lower case). */
function ownOrigin(scheme: string, host: string): string | null {
  if (scheme !== 'http' && scheme !== 'https') return null;
  try {
    const url = new URL(`${scheme}://${host}`);
    // A Host header with a path, credentials or query is not a host.
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** Reads the origin headers of a uWS request (only valid before the handler returns). */
export function originHeaders(req: Pick<HttpRequest, 'getHeader'>): OriginHeaders {
  const get = (name: string) => req.getHeader(name) || undefined;
  return {
    origin: get('origin'),
    host: get('host'),
    forwardedHost: get('x-forwarded-host'),
    forwardedProto: get('x-forwarded-proto'),
  };
}

/** Reads the origin headers of a Fetch API request (what Yoga's plugins see). */
export function originHeadersOf(request: Request): OriginHeaders {
  const get = (name: string) => request.headers.get(name) || undefined;
  return {
    origin: get('origin'),
    host: get('host'),
    forwardedHost: get('x-forwarded-host'),
    forwardedProto: get('x-forwarded-proto'),
  };
}

/** The refusal of a browser request from an origin that may not use the API. */
export function refuseOrigin(res: HttpResponse, origin: string | undefined): void {
  sendJson(res, '403 Forbidden', {
    errors: [
      {
        message: `origin ${String(origin).slice(0, 200)} may not use this API: it is neither this server's own origin nor in ALLOWED_ORIGINS`,
        extensions: { code: 'ORIGIN_FORBIDDEN' },
      },
    ],
  });
}
