import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { codeOf, type GraphQLResponse, gql, register } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { startServer, type TestServer } from '../support/server.ts';

describe('per-IP limits behind a trusted proxy (TRUST_PROXY=true)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer('memory', { TRUST_PROXY: 'true', AUTH_RATE_BURST: '3', AUTH_RATE_PER_MINUTE: '1' });
  });
  after(() => s.close());

  const ask = (forwarded: string) =>
    gql(s.url, 'mutation { requestChallenge { challenge } }', {}, undefined, {
      'x-forwarded-for': forwarded,
    }).then(codeOf);

  it('should not let a client choose its rate-limit bucket with a forged X-Forwarded-For entry', async () => {
    // The proxy appends the address it saw (203.0.113.5); the client rotates what it sends first.
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push(await ask(`198.51.100.${i}, 203.0.113.5`));
    assert.deepEqual(codes, [undefined, undefined, undefined, 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('should count clients that the proxy saw as different addresses separately', async () => {
    assert.equal(await ask('203.0.113.77'), undefined);
  });
});

for (const mode of ['memory', 'postgres'] as const) {
  describe(`request ids from X-Request-Id (${mode})`, {
    skip: mode === 'postgres' && (await skipWithoutPostgres()),
  }, () => {
    let s: TestServer;
    before(async () => {
      s = await startServer(mode);
    });
    after(() => s.close());

    const rename = async (requestId: string) => {
      const ada = await register(s.url, 'Ada');
      const r = await gql(
        s.url,
        'mutation { changeDisplayName(displayName: "Ada B") { address } }',
        {},
        ada.token,
        {
          'x-request-id': requestId,
        },
      );
      const [last] = await s.app.log.readAll((await s.app.log.head()) - 1, 1);
      return { code: codeOf(r), type: last?.type, correlationId: last?.metadata.correlationId };
    };

    it('should carry a plain request id into event metadata', async () => {
      assert.deepEqual(await rename('req-4242'), {
        code: undefined,
        type: 'DisplayNameChanged',
        correlationId: 'req-4242',
      });
    });

    it('should not fail or store an unusual request id, but use a fresh one', async () => {
      for (const id of ['x'.repeat(101), 'a b', 'a"b', '<x>', 'a,b']) {
        const r = await rename(id);
        assert.equal(r.code, undefined, id);
        assert.equal(r.type, 'DisplayNameChanged');
        assert.match(String(r.correlationId), /^[0-9a-f-]{36}$/);
      }
    });
  });
}

describe('per-IP limits behind proxies named by address (TRUST_PROXY=127.0.0.1/8)', () => {
  // The test connects from loopback, so here the test itself is "the proxy".
  let s: TestServer;
  before(async () => {
    s = await startServer('memory', {
      TRUST_PROXY: '127.0.0.1/8, ::1',
      AUTH_RATE_BURST: '2',
      AUTH_RATE_PER_MINUTE: '1',
    });
  });
  after(() => s.close());

  const CHALLENGE = 'mutation { requestChallenge { challenge } }';
  const overHttp = (forwarded: string) =>
    gql(s.url, CHALLENGE, {}, undefined, { 'x-forwarded-for': forwarded }).then(codeOf);
  /** The same mutation over graphql-ws, X-Forwarded-For set on the WebSocket upgrade. */
  const overWs = async (forwarded: string) => {
    const client = createClient({
      url: s.wsUrl,
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers: { 'x-forwarded-for': forwarded } });
        }
      },
      // Signed out over WebSocket: the per-operation opt-in (as GraphiQL's page does).
      connectionParams: { perOperationAuth: true },
      retryAttempts: 0,
    });
    try {
      const result = await client.iterate({ query: CHALLENGE }).next();
      return codeOf(result.value as GraphQLResponse);
    } finally {
      await client.dispose();
    }
  };

  for (const [transport, ask] of [
    ['HTTP', overHttp],
    ['WebSocket', overWs],
  ] as const) {
    it(`should bucket by the right-most untrusted entry, whatever the spoofed left-most says (${transport})`, async () => {
      const client = transport === 'HTTP' ? '203.0.113.10' : '203.0.113.20';
      const codes = [];
      // The client rotates a forged first entry; the proxy (us, on 127.0.0.1) appended its peer.
      for (let i = 0; i < 4; i++) codes.push(await ask(`198.51.100.${i}, ${client}, 127.0.0.1`));
      assert.deepEqual(codes, [undefined, undefined, 'RATE_LIMITED', 'RATE_LIMITED']);
      assert.equal(await ask(`${client.replace(/\d+$/, '99')}`), undefined, 'another client, its own budget');
    });
  }
});
