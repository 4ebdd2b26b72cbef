import uWS from 'uWebSockets.js';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { rawGet } from '../../test/support/raw-http.ts';
import { chooseEncoding, loadSite, pathProblem, webApp } from './static.ts';

const INDEX = '<!doctype html><title>app</title><script type="module" src="/assets/app-abc123.js"></script>';
const SCRIPT = 'console.log("app");'.repeat(20);

/** A fake build: index.html, one hashed script with .br/.gz, an icon without them. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cv-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'index.html.gz'), gzipSync(INDEX));
  writeFileSync(join(dir, 'assets/app-abc123.js'), SCRIPT);
  writeFileSync(join(dir, 'assets/app-abc123.js.br'), brotliCompressSync(SCRIPT));
  writeFileSync(join(dir, 'assets/app-abc123.js.gz'), gzipSync(SCRIPT));
  writeFileSync(join(dir, 'icon.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  return dir;
}

describe('pathProblem', () => {
  it('should accept ordinary app paths', () => {
    for (const p of ['/', '/index.html', '/assets/app-abc123.js', '/chat/cv1abc', '/a%20b']) {
      assert.equal(pathProblem(p), null, p);
    }
  });
  it('should refuse dot segments, encoded separators, backslashes and NUL', () => {
    for (const p of [
      '/../etc/passwd',
      '/assets/../../package.json',
      '/./index.html',
      '/%2e%2e/package.json',
      '/%2E%2E%2Fpackage.json',
      '/assets%2f..%2f..%2fpackage.json',
      '/..%5cpackage.json',
      '/index.html%00.js',
      '/a\\..\\b',
      '/%E0%A4%A',
    ]) {
      assert.notEqual(pathProblem(p), null, p);
    }
  });
});

describe('chooseEncoding', () => {
  const both = {
    body: Buffer.from('x'),
    br: Buffer.from('b'),
    gzip: Buffer.from('g'),
    type: 't',
    immutable: false,
  };
  it('should prefer brotli, then gzip, and honour q=0', () => {
    assert.equal(chooseEncoding('gzip, deflate, br', both), 'br');
    assert.equal(chooseEncoding('gzip', both), 'gzip');
    assert.equal(chooseEncoding('br;q=0, gzip;q=0.5', both), 'gzip');
    assert.equal(chooseEncoding('br;q=0.0, gzip;q=0', both), null);
    assert.equal(chooseEncoding('', both), null);
    assert.equal(chooseEncoding('br', { ...both, br: undefined }), null);
  });
});

describe('loadSite', () => {
  it('should be null without a build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cv-static-empty-'));
    assert.equal(loadSite(dir), null);
    rmSync(dir, { recursive: true });
  });
});

describe('webApp over HTTP', () => {
  let dir: string;
  let url: string;
  let listen: uWS.us_listen_socket;
  before(async () => {
    dir = fakeBuild();
    const app = uWS
      .App()
      .get('/*', webApp(dir))
      .any('/*', (res) => {
        res.writeStatus('404 Not Found').end('fallthrough');
      });
    const port = await new Promise<number>((resolve) =>
      app.listen('127.0.0.1', 0, (s) => {
        listen = s as uWS.us_listen_socket;
        resolve(uWS.us_socket_local_port(listen));
      }),
    );
    url = `http://127.0.0.1:${port}`;
  });
  after(() => {
    uWS.us_listen_socket_close(listen);
    rmSync(dir, { recursive: true });
  });

  it('should serve index.html no-cache with the page security headers', async () => {
    const res = await rawGet(url, '/');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.equal(res.body.toString(), INDEX);
    const csp = res.headers['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+/);
    assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
  });

  it('should serve hashed assets immutable, brotli or gzip by Accept-Encoding, with Vary', async () => {
    const plain = await rawGet(url, '/assets/app-abc123.js');
    assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(plain.headers.vary, 'Accept-Encoding');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString(), SCRIPT);
    const br = await rawGet(url, '/assets/app-abc123.js', { 'Accept-Encoding': 'gzip, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.body).toString(), SCRIPT);
    const gz = await rawGet(url, '/assets/app-abc123.js', { 'Accept-Encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), SCRIPT);
    // A script is not a page: no CSP of its own needed, but never sniffed as something else.
    assert.equal(plain.headers['x-content-type-options'], 'nosniff');
  });

  it('should give a file without precompressed copies as is, with its MIME type', async () => {
    const res = await rawGet(url, '/icon.png', { 'Accept-Encoding': 'br, gzip' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers['cache-control'], 'no-cache');
  });

  it('should answer app routes with the shell and leave API paths and missing files to the next route', async () => {
    const route = await rawGet(url, '/chat/cv1itkpshnvgeg44kgpi2khkkoctkp2qcdarwglfdy');
    assert.equal(route.status, 200);
    assert.equal(route.body.toString(), INDEX);
    for (const p of ['/graphql', '/api/health', '/api/nope', '/metrics', '/assets/missing-1.js']) {
      const res = await rawGet(url, p);
      assert.equal(res.status, 404, p);
      assert.equal(res.body.toString(), 'fallthrough', p);
    }
  });

  it('should refuse traversal attempts without serving anything outside the build', async () => {
    for (const p of [
      '/../package.json',
      '/assets/../../package.json',
      '/%2e%2e/package.json',
      '/assets%2f..%2f..%2fpackage.json',
      '/..%5c..%5cpackage.json',
      '/index.html%00',
    ]) {
      const res = await rawGet(url, p);
      assert.equal(res.status, 400, p);
      assert.doesNotMatch(res.body.toString(), /callvault|<title>/, p);
    }
  });
});
