import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signHandover } from '../../app/identity/handover.ts';
import {
  codeOf,
  type GraphQLResponse,
  gql,
  register,
  type TestIdentity,
  wsClient,
} from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

/** The verified handover (docs/embedding.md): verifyEmbedHandover over HTTP and WebSocket. */

const SITE = 'http://shop.localhost:8123';
const OTHER = 'http://other.localhost:8124';
const secret = randomBytes(32);
const otherSecret = randomBytes(32);
const VERIFY = `mutation V($assertion: String!, $site: String!) {
  verifyEmbedHandover(assertion: $assertion, site: $site) { site subject name expiresAt verifiedAt }
}`;

const nonce = () => randomBytes(18).toString('base64url');
const inMinutes = (m: number) => Math.floor(Date.now() / 1000 + m * 60);
const claims = (over: Record<string, unknown> = {}) => ({
  site: SITE,
  sub: 'customer-42',
  name: 'Ada L.',
  exp: inMinutes(5),
  nonce: nonce(),
  ...over,
});

function viaWs(client: Client, query: string, variables: Record<string, unknown>): Promise<GraphQLResponse> {
  return new Promise((resolve, reject) => {
    let result: GraphQLResponse = { status: 0 };
    client.subscribe(
      { query, variables },
      {
        next: (r) => {
          result = { status: 0, data: r.data as never, errors: r.errors as never };
        },
        error: (e) => (Array.isArray(e) ? resolve({ status: 0, errors: e as never }) : reject(e as Error)),
        complete: () => resolve(result),
      },
    );
  });
}

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`verified embed handover (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let ada: TestIdentity;
    let ws: Client;
    before(async () => {
      if (skip) return;
      s = await startServer(mode, {
        ALLOWED_ORIGINS: `${SITE},${OTHER}`,
        EMBED_SITE_SECRETS: `${SITE}=${secret.toString('base64url')}`,
      });
      ada = await register(s.url, 'Ada');
      ws = wsClient(s.wsUrl, ada.token).client;
    });
    after(async () => {
      if (skip) return;
      await ws.dispose();
      await s.close();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);
    const transports = [
      ['HTTP', (v: Record<string, unknown>, token?: string) => gql(s.url, VERIFY, v, token)],
      ['WebSocket', (v: Record<string, unknown>) => viaWs(ws, VERIFY, v)],
    ] as const;

    const vouched = async () =>
      (await s.app.log.readStream(`identity-${ada.address}`)).filter(
        (e) => e.type === 'EmbedIdentityVouched',
      );

    test('should verify a good assertion once, record who vouched, and refuse its replay', async () => {
      for (const [name, call] of transports) {
        const before = (await vouched()).length;
        const c = claims({ sub: `customer-${name}` });
        const assertion = signHandover(c, secret);
        const r = await call({ assertion, site: SITE }, ada.token);
        assert.equal(r.errors, undefined, `${name}: ${JSON.stringify(r.errors)}`);
        assert.deepEqual(
          { ...(r.data?.verifyEmbedHandover as Record<string, unknown>), verifiedAt: 0 },
          { site: SITE, subject: `customer-${name}`, name: 'Ada L.', expiresAt: c.exp * 1000, verifiedAt: 0 },
          name,
        );
        const events = await vouched();
        assert.equal(events.length, before + 1, name);
        assert.deepEqual(events.at(-1)!.data, {
          site: SITE,
          subject: `customer-${name}`,
          name: 'Ada L.',
          nonce: c.nonce,
          expiresAt: c.exp * 1000,
        });
        // Replayed on either transport: refused, nothing recorded.
        for (const [again, replay] of transports) {
          const second = await replay({ assertion, site: SITE }, ada.token);
          assert.equal(codeOf(second), 'TOKEN_REPLAYED', `${name} then ${again}`);
        }
        assert.equal((await vouched()).length, before + 1);
      }
    });

    test('should refuse bad assertions with a clear error and change nothing', async () => {
      const good = signHandover(claims(), secret);
      const [body, mac] = good.split('.') as [string, string];
      const flipped = `${mac.slice(0, -2)}${mac.at(-2) === 'A' ? 'B' : 'A'}${mac.at(-1)}`;
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['wrong secret', { assertion: signHandover(claims(), otherSecret), site: SITE }, /signature/],
        ['tampered signature', { assertion: `${body}.${flipped}`, site: SITE }, /signature/],
        [
          'tampered claims',
          { assertion: `${signHandover(claims({ sub: 'admin' }), secret).split('.')[0]}.${mac}`, site: SITE },
          /signature/,
        ],
        ['not two parts', { assertion: body, site: SITE }, /base64url/],
        [
          'expired',
          { assertion: signHandover(claims({ exp: inMinutes(-1) }), secret), site: SITE },
          /expired/,
        ],
        [
          'too far ahead',
          { assertion: signHandover(claims({ exp: inMinutes(11) }), secret), site: SITE },
          /10 minutes/,
        ],
        [
          'signed for another site',
          { assertion: signHandover(claims({ site: OTHER }), secret), site: SITE },
          /another site/,
        ],
        [
          'site without a secret',
          { assertion: signHandover(claims({ site: OTHER }), secret), site: OTHER },
          /not configured/,
        ],
        ['no nonce', { assertion: signHandover(claims({ nonce: undefined }), secret), site: SITE }, /nonce/],
        ['empty sub', { assertion: signHandover(claims({ sub: '' }), secret), site: SITE }, /sub/],
        [
          'extra claim',
          { assertion: signHandover(claims({ admin: true }), secret), site: SITE },
          /unknown claim/,
        ],
        [
          'not JSON',
          {
            assertion: `${Buffer.from('nope').toString('base64url')}.${signHandover({}, secret).split('.')[1]}`,
            site: SITE,
          },
          /signature|JSON/,
        ],
      ];
      const head = await s.app.log.head();
      for (const [name, call] of transports) {
        for (const [what, variables, message] of cases) {
          const r = await call(variables, ada.token);
          assert.equal(codeOf(r), 'HANDOVER_INVALID', `${name} ${what}: ${JSON.stringify(r)}`);
          assert.match(r.errors![0]!.message, message, `${name} ${what}`);
          assert.equal(r.data ?? null, null);
        }
      }
      assert.equal(await s.app.log.head(), head, 'nothing recorded');
      // A refused assertion did not burn its nonce: the good one still works once.
      assert.equal(codeOf(await gql(s.url, VERIFY, { assertion: good, site: SITE }, ada.token)), undefined);
    });

    test('should refuse a visitor without a session (UNAUTHENTICATED) and record nothing', async () => {
      const head = await s.app.log.head();
      const assertion = signHandover(claims(), secret);
      const r = await gql(s.url, VERIFY, { assertion, site: SITE });
      assert.equal(codeOf(r), 'UNAUTHENTICATED');
      // A socket without a session is closed (4403) before any operation; one that opted into
      // per-operation auth and sends none gets UNAUTHENTICATED.
      assert.equal((await wsClient(s.wsUrl, undefined).closed).code, 4403);
      const anonymous = createClient({
        url: s.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { perOperationAuth: true },
        retryAttempts: 0,
      });
      try {
        assert.equal(codeOf(await viaWs(anonymous, VERIFY, { assertion, site: SITE })), 'UNAUTHENTICATED');
      } finally {
        await anonymous.dispose();
      }
      assert.equal(await s.app.log.head(), head);
      // The nonce was not taken by the refused calls.
      assert.equal(codeOf(await gql(s.url, VERIFY, { assertion, site: SITE }, ada.token)), undefined);
    });
  });
}
