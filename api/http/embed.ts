import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { Config } from '../../app/config.ts';
import { chooseEncoding, loadSite, pageSecurityHeaders, WEB_DIST } from './static.ts';

/**
 * The embed (docs/embedding.md): the library host pages load (`/embed/v1/callvault.js`, CORS
 * for ALLOWED_ORIGINS) and the frame its elements render (`/embed/v1/frame`), which only the
 * host origin named in its `origin` parameter may frame, and only when that origin is in
 * ALLOWED_ORIGINS (CSP frame-ancestors). Every other page of the app may not be framed.
 */

const SCRIPT = /^\/embed\/v1\/(callvault(?:\.[0-9a-f]{12})?\.js|manifest\.json)$/;

type Handler = (res: HttpResponse, req: HttpRequest) => void;

function send(
  res: HttpResponse,
  status: string,
  headers: Record<string, string>,
  body: Buffer | string,
): void {
  res.cork(() => {
    res.writeStatus(status);
    for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
    res.end(body);
  });
}

/** The frame-ancestors source for a claimed host origin, or null when it may not frame us. */
export function frameAncestorsFor(claimed: string | null, allowedOrigins: readonly string[]): string | null {
  return claimed && allowedOrigins.includes(claimed) ? claimed : null;
}

export function embedRoutes(
  config: Pick<Config, 'allowedOrigins'>,
  dir: string = WEB_DIST,
): {
  frame: Handler;
  script: Handler;
} {
  const site = loadSite(dir);
  const allowed = config.allowedOrigins;
  const notBuilt = (res: HttpResponse) =>
    send(res, '503 Service Unavailable', { 'Content-Type': 'text/plain' }, 'the web app is not built');

  const frame: Handler = (res, req) => {
    const asset = site?.get('/frame.html');
    if (!asset) return notBuilt(res);
    const ancestors = frameAncestorsFor(new URLSearchParams(req.getQuery() ?? '').get('origin'), allowed);
    const host = req.getHeader('host');
    if (!ancestors) {
      send(
        res,
        '403 Forbidden',
        {
          'Content-Type': 'text/plain; charset=utf-8',
          ...pageSecurityHeaders(host),
          'Cache-Control': 'no-store',
        },
        'this origin may not embed CallVault (ALLOWED_ORIGINS)',
      );
      return;
    }
    const encoding = chooseEncoding(req.getHeader('accept-encoding'), asset);
    const headers: Record<string, string> = {
      'Content-Type': asset.type,
      'Cache-Control': 'no-cache',
      Vary: 'Accept-Encoding',
      ...(encoding ? { 'Content-Encoding': encoding } : {}),
      ...pageSecurityHeaders(host, ancestors),
    };
    // The frame runs inside another site's page: opener isolation is for top-level pages.
    delete headers['Cross-Origin-Opener-Policy'];
    send(
      res,
      '200 OK',
      headers,
      encoding === 'br' ? asset.br! : encoding === 'gzip' ? asset.gzip! : asset.body,
    );
  };

  const script: Handler = (res, req) => {
    const name = SCRIPT.exec(req.getUrl())?.[1];
    const asset = name ? site?.get(`/embed/v1/${name}`) : undefined;
    if (!site) return notBuilt(res);
    if (!name || !asset) {
      req.setYield(true);
      return;
    }
    const origin = req.getHeader('origin');
    const encoding = chooseEncoding(req.getHeader('accept-encoding'), asset);
    const hashed = name !== 'callvault.js' && name !== 'manifest.json';
    const headers: Record<string, string> = {
      'Content-Type': asset.type,
      // The stable URL picks up a new build within minutes; a hashed name never changes.
      'Cache-Control': hashed
        ? 'public, max-age=31536000, immutable'
        : name === 'manifest.json'
          ? 'no-cache'
          : 'public, max-age=300',
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      Vary: 'Origin, Accept-Encoding',
      ...(origin && allowed.includes(origin) ? { 'Access-Control-Allow-Origin': origin } : {}),
      ...(encoding ? { 'Content-Encoding': encoding } : {}),
    };
    send(
      res,
      '200 OK',
      headers,
      encoding === 'br' ? asset.br! : encoding === 'gzip' ? asset.gzip! : asset.body,
    );
  };

  return { frame, script };
}
