import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { gql, register, type TestIdentity } from '../support/client.ts';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const EVIL = 'https://evil.example';
const FRIEND = 'https://friend.example';
const RENAME = 'mutation { changeDisplayName(displayName: "Renamed") { displayName } }';

/** A CORS preflight for a JSON POST with a bearer token, as a browser sends it. */
async function preflight(s: TestServer, origin: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
      ...headers,
    },
  });
  return { status: res.status, allowOrigin: res.headers.get('access-control-allow-origin') };
}

/** A signed-in mutation POSTed with the given Origin (or none); reports whether it ran. */
async function rename(
  s: TestServer,
  who: TestIdentity,
  origin?: string,
  headers: Record<string, string> = {},
) {
  const head = await s.app.log.head();
  const r = await gql(s.url, RENAME, {}, who.token, {
    ...(origin === undefined ? {} : { origin }),
    ...headers,
  });
  const appended = (await s.app.log.head()) - head;
  return { status: r.status, ran: r.data?.changeDisplayName?.displayName === 'Renamed', appended, r };
}

/** Opens a graphql-transport-ws socket with the given Origin: 'open' or the refusal's status. */
function upgrade(s: TestServer, origin?: string, headers: Record<string, string> = {}) {
  return new Promise<number | 'open'>((resolve) => {
    const ws = new WebSocket(s.wsUrl, 'graphql-transport-ws', { ...(origin ? { origin } : {}), headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => {});
  });
}

/** Asserts that a browser at `origin` can neither preflight, POST (nothing runs) nor open a socket. */
async function assertRefused(
  s: TestServer,
  who: TestIdentity,
  origin: string,
  headers: Record<string, string> = {},
) {
  const p = await preflight(s, origin, headers);
  assert.notEqual(p.allowOrigin, origin, `preflight from ${origin} must not be allowed`);
  assert.notEqual(p.allowOrigin, '*');
  assert.equal(p.status, 403, `preflight from ${origin}`);
  const post = await rename(s, who, origin, headers);
  assert.equal(post.status, 403, `POST from ${origin}: ${JSON.stringify(post.r)}`);
  assert.equal(post.appended, 0, `POST from ${origin} must not run`);
  assert.equal(post.r.errors?.[0]?.extensions?.code, 'ORIGIN_FORBIDDEN');
  assert.equal(await upgrade(s, origin, headers), 403, `WebSocket from ${origin}`);
}

async function assertAllowed(
  s: TestServer,
  who: TestIdentity,
  origin: string,
  headers: Record<string, string> = {},
) {
  const p = await preflight(s, origin, headers);
  assert.equal(p.status, 204, `preflight from ${origin}`);
  assert.equal(p.allowOrigin, origin, `preflight from ${origin}`);
  const post = await rename(s, who, origin, headers);
  assert.ok(post.ran, `POST from ${origin}: ${JSON.stringify(post.r)}`);
  assert.equal(await upgrade(s, origin, headers), 'open', `WebSocket from ${origin}`);
}

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`one origin policy for HTTP and WebSocket (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let db: TestDatabase | null = null;
    /** ALLOWED_ORIGINS unset, production. */
    let sameOnly: TestServer;
    /** ALLOWED_ORIGINS with two origins, production. */
    let listed: TestServer;
    /** Behind a TLS proxy: TRUST_PROXY=true. */
    let proxied: TestServer;
    const ids = new Map<TestServer, TestIdentity>();
    before(async () => {
      if (skip) return;
      db = mode === 'postgres' ? await createTestDatabase() : null;
      const shared = db ? { db } : undefined;
      sameOnly = await startServer(mode, { NODE_ENV: 'production' }, shared);
      listed = await startServer(
        mode,
        { NODE_ENV: 'production', ALLOWED_ORIGINS: `${FRIEND},https://other.example` },
        shared,
      );
      proxied = await startServer(mode, { NODE_ENV: 'production', TRUST_PROXY: 'true' }, shared);
      for (const s of [sameOnly, listed, proxied]) ids.set(s, await register(s.url, 'Ada'));
    });
    after(async () => {
      if (skip) return;
      await Promise.all([sameOnly, listed, proxied].map((s) => s.close()));
      await db?.drop();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);

    test('should refuse a foreign origin’s preflight, POST and WebSocket when ALLOWED_ORIGINS is unset', async () => {
      await assertRefused(sameOnly, ids.get(sameOnly)!, EVIL);
    });

    test('should refuse a foreign origin’s preflight, POST and WebSocket when ALLOWED_ORIGINS is set', async () => {
      await assertRefused(listed, ids.get(listed)!, EVIL);
    });

    test('should allow every listed origin on HTTP and WebSocket', async () => {
      await assertAllowed(listed, ids.get(listed)!, FRIEND);
      await assertAllowed(listed, ids.get(listed)!, 'https://other.example');
    });

    test('should allow the server’s own origin whether or not ALLOWED_ORIGINS is set', async () => {
      for (const s of [sameOnly, listed]) await assertAllowed(s, ids.get(s)!, new URL(s.url).origin);
    });

    test('should let clients that send no Origin (not browsers) use HTTP and WebSocket', async () => {
      for (const s of [sameOnly, listed]) {
        const post = await rename(s, ids.get(s)!);
        assert.ok(post.ran, JSON.stringify(post.r));
        assert.equal(await upgrade(s), 'open');
      }
    });

    test('should refuse Origin null and every near miss of an allowed origin', async () => {
      const who = ids.get(listed)!;
      const port = Number(new URL(listed.url).port);
      for (const origin of [
        'null',
        'https://FRIEND.example',
        'https://friend.example/',
        'https://friend.example:443',
        'https://friend.example:8443',
        'http://friend.example',
        'https://friend.example.evil.example',
        'https://evil.example/https://friend.example',
        `http://localhost:${port}`,
        `http://127.0.0.1:${port + 1}`,
        `https://127.0.0.1:${port}/`,
      ]) {
        await assertRefused(listed, who, origin);
      }
    });

    test('should refuse a foreign origin’s GET query that carries the CSRF header', async () => {
      const q = encodeURIComponent('{ serverInfo { mode } }');
      const res = await fetch(`${sameOnly.url}/graphql?query=${q}`, {
        headers: { origin: EVIL, 'x-graphql-yoga-csrf': '1' },
      });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    });

    test('should take the public scheme and host from the proxy only with TRUST_PROXY', async () => {
      const forwarded = { 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'https' };
      await assertAllowed(proxied, ids.get(proxied)!, 'https://app.example', forwarded);
      await assertRefused(proxied, ids.get(proxied)!, 'http://app.example', forwarded);
      await assertRefused(proxied, ids.get(proxied)!, 'https://evil.example', forwarded);
      // Without TRUST_PROXY anyone could send these headers: they are ignored.
      await assertRefused(sameOnly, ids.get(sameOnly)!, 'https://app.example', forwarded);
    });
  });
}
