import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { register, wsClient } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const TTL_MS = 720 * 3600 * 1000; // SESSION_TTL_HOURS' default
const FEED = 'subscription { feed { __typename } }';
const ME = '{ me { address } }';

/** Resolves to the close code, or to 'still open' after a generous bound (a slow machine). */
const closedWithin = (closed: Promise<number>, ms = 15_000) =>
  Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('still open'), ms).unref())]);

/** A graphql-ws client as GraphiQL opens it (per-operation authentication). */
function perOperationClient(wsUrl: string) {
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => {
    resolveClosed = r;
  });
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { perOperationAuth: true },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (e) => resolveClosed((e as { code: number }).code) },
  });
  return { client, closed };
}

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`WebSockets end when their session expires (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    before(async () => {
      if (!skip) s = await startServer(mode);
    });
    after(async () => {
      if (!skip) await s.close();
    });

    it('should close session sockets and per-operation sockets with live feeds when the session expires', {
      skip,
    }, async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      s.clock.offsetMs = TTL_MS - 3000; // both sessions have 3 s left
      try {
        const session = wsClient(s.wsUrl, ada.token);
        const me = await session.client.iterate({ query: ME }).next();
        assert.equal(me.value?.data?.me.address, ada.address, 'signed in before it expires');
        const adaFeed = session.client
          .iterate({ query: FEED })
          .next()
          .catch(() => undefined);

        const perOperation = perOperationClient(s.wsUrl);
        const extensions = { headers: { authorization: `Bearer ${bob.token}` } };
        const bobMe = await perOperation.client.iterate({ query: ME, extensions }).next();
        assert.equal(bobMe.value?.data?.me.address, bob.address, 'signed in before it expires');
        const bobFeed = perOperation.client
          .iterate({ query: FEED, extensions })
          .next()
          .catch(() => undefined);

        const codes = await Promise.all([
          closedWithin(session.closed.then((c) => c.code)),
          closedWithin(perOperation.closed),
        ]);
        assert.deepEqual(codes, [4403, 4403]);
        await Promise.all([adaFeed, bobFeed]);
      } finally {
        s.clock.offsetMs = 0;
      }
    });
  });
}
