import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import { rawGet } from '../support/raw-http.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { ensureWebBuild } from '../support/web-build.ts';

describe('the server serves the built web app', () => {
  let server: TestServer;
  before(async () => {
    ensureWebBuild();
    server = await startServer('memory');
  });
  after(() => server.close());

  it('should serve the app shell at / and at app routes, with a strict CSP', async () => {
    for (const path of ['/', '/settings', '/chat/cv1itkpshnvgeg44kgpi2khkkoctkp2qcdarwglfdy']) {
      const res = await rawGet(server.url, path);
      assert.equal(res.status, 200, path);
      assert.match(res.body.toString(), /<callvault-app>/, path);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.doesNotMatch(res.headers['content-security-policy'] ?? '', /unsafe/);
      assert.match(res.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    }
  });

  it('should serve every script the page names, immutable and brotli-compressed', async () => {
    const page = (await rawGet(server.url, '/')).body.toString();
    const scripts = [...page.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    assert.ok(scripts.length > 0, 'the page loads a script');
    for (const src of scripts) {
      const res = await rawGet(server.url, src, { 'Accept-Encoding': 'br, gzip' });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
      assert.equal(res.headers['content-encoding'], 'br');
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.ok(brotliDecompressSync(res.body).length > 0);
    }
  });

  it('should leave the API its own answers: health, GraphQL, and JSON 404s under /api', async () => {
    const health = await fetch(`${server.url}/api/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).ok, true);
    const missing = await rawGet(server.url, '/api/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.body.toString()), { error: 'not found' });
    const gql = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ serverInfo { mode } }' }),
    });
    assert.deepEqual(await gql.json(), { data: { serverInfo: { mode: 'memory' } } });
  });

  it('should refuse traversal out of web/dist', async () => {
    for (const path of ['/../package.json', '/assets/%2e%2e/%2e%2e/package.json', '/..%2fpackage.json']) {
      const res = await rawGet(server.url, path);
      assert.equal(res.status, 400, path);
      assert.doesNotMatch(res.body.toString(), /"name": "callvault"/);
    }
  });
});
