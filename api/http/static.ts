import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { PROJECT_ROOT } from '../project-root.ts';

/**
 * The built web app (web/dist, made by scripts/build-web.mjs) served by the server itself.
 *
 * Every file is read into memory once at start-up and looked up by exact path: a request can
 * only ever name a file that the build put there, so no path a client sends is joined to a
 * directory. Suspicious paths (dot segments, encoded slashes or dots, NUL, backslashes) are
 * refused before the lookup anyway, so they never reach the SPA fallback either.
 */

/** Where the build writes the app (under the project root, also when running from dist/). */
export const WEB_DIST = join(PROJECT_ROOT, 'web', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** Paths the app never answers: they belong to the API, so they fall through to its 404. */
const NOT_APP = /^\/(?:graphql|api|metrics)(?:\/|$)/;

interface Asset {
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
  type: string;
  /** Under assets/: content-hashed names, so a name never changes its bytes. */
  immutable: boolean;
}

/**
 * The security headers of every page of the app (not of its API). The app itself may not be
 * framed at all (`'none'`, and X-Frame-Options for old engines); the embed frame passes the
 * one host origin allowed to frame it (api/http/embed.ts).
 */
export function pageSecurityHeaders(host: string, frameAncestors = "'none'"): Record<string, string> {
  // The WebSocket origin of this very host: CSP Level 3 lets 'self' cover ws(s) of the same
  // host, but older engines do not, so it is also named. Host is sanitised: it is the
  // client's header and goes into a header we send back.
  const h = /^[A-Za-z0-9.\-:[\]]{1,255}$/.test(host) ? host : '';
  const ws = h ? ` ws://${h} wss://${h}` : '';
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      // Local and remote WebRTC video are MediaStreams (srcObject); ringtones are generated.
      "media-src 'self' blob: mediastream:",
      `connect-src 'self'${ws}`,
      "worker-src 'self'",
      "manifest-src 'self'",
      "font-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      `frame-ancestors ${frameAncestors}`,
    ].join('; '),
    ...(frameAncestors === "'none'" ? { 'X-Frame-Options': 'DENY' } : {}),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(self), microphone=(self), geolocation=()',
  };
}

/** Reads a built app into memory; null when there is no build (index.html missing). */
export function loadSite(dir: string = WEB_DIST): Map<string, Asset> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const site = new Map<string, Asset>();
  for (const name of readdirSync(dir, { recursive: true }).map(String)) {
    const path = join(dir, name);
    if (name.endsWith('.br') || name.endsWith('.gz') || !statSync(path).isFile()) continue;
    const br = `${path}.br`;
    const gz = `${path}.gz`;
    site.set(`/${name.split(sep).join('/')}`, {
      body: readFileSync(path),
      ...(existsSync(br) ? { br: readFileSync(br) } : {}),
      ...(existsSync(gz) ? { gzip: readFileSync(gz) } : {}),
      type: TYPES[extname(name)] ?? 'application/octet-stream',
      immutable: name.startsWith(`assets${sep}`),
    });
  }
  return site;
}

/** Null when the raw request path may be looked up; otherwise why it is refused. */
export function pathProblem(rawPath: string): string | null {
  // Encoded slashes, backslashes, dots and NUL have no business in an app path: refusing them
  // outright keeps every later step (decoding, lookup) simple.
  if (/%(?:2f|5c|2e|00)/i.test(rawPath)) return 'encoded separator';
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return 'bad percent-encoding';
  }
  if (path.includes('\0') || path.includes('\\')) return 'forbidden character';
  if (path.split('/').some((s) => s === '..' || s === '.')) return 'dot segment';
  return null;
}

/** Which stored encoding to send for an Accept-Encoding header (q=0 means "not this one"). */
export function chooseEncoding(accept: string, asset: Asset): 'br' | 'gzip' | null {
  const offered = new Set(
    accept
      .toLowerCase()
      .split(',')
      .map((part) => part.trim().split(';'))
      .filter(([, q]) => !q || !/^\s*q\s*=\s*0(?:\.0*)?\s*$/.test(q))
      .map(([name]) => name!.trim()),
  );
  if (asset.br && offered.has('br')) return 'br';
  if (asset.gzip && offered.has('gzip')) return 'gzip';
  return null;
}

/**
 * The uWS GET handler for the app: files of the build, `index.html` for app routes (paths
 * without an extension), and for everything else — API paths, unknown files — it yields to
 * the next route, so the server's usual 404 answers.
 */
export function webApp(dir: string = WEB_DIST): (res: HttpResponse, req: HttpRequest) => void {
  const site = loadSite(dir);
  return (res, req) => {
    const url = req.getUrl();
    if (NOT_APP.test(url)) {
      req.setYield(true);
      return;
    }
    const problem = pathProblem(url);
    if (problem) {
      res.cork(() => {
        res.writeStatus('400 Bad Request').writeHeader('content-type', 'text/plain').end(problem);
      });
      return;
    }
    if (!site) {
      res.cork(() => {
        res
          .writeStatus('503 Service Unavailable')
          .writeHeader('content-type', 'text/plain')
          .end('the web app is not built: run `npm run build:web`');
      });
      return;
    }
    const path = decodeURIComponent(url);
    const file = site.get(path);
    // App routes (/chat/cv1…) get the shell; a missing file with an extension is a real 404.
    const asset = file ?? (extname(path) === '' ? site.get('/index.html') : undefined);
    if (!asset) {
      req.setYield(true);
      return;
    }
    const encoding = chooseEncoding(req.getHeader('accept-encoding'), asset);
    const page = asset.type.startsWith('text/html');
    const headers: Record<string, string> = {
      'Content-Type': asset.type,
      'Cache-Control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      ...(asset.br || asset.gzip ? { Vary: 'Accept-Encoding' } : {}),
      ...(encoding ? { 'Content-Encoding': encoding } : {}),
      ...(page ? pageSecurityHeaders(req.getHeader('host')) : {}),
    };
    const body = encoding === 'br' ? asset.br! : encoding === 'gzip' ? asset.gzip! : asset.body;
    res.cork(() => {
      res.writeStatus('200 OK');
      for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
      res.end(body);
    });
  };
}
