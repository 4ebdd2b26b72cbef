import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { gql, register, send, type TestIdentity, wsClient } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

interface Result {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A graphql-ws client as GraphiQL opens it: no token at connection_init, only the opt-in. */
function perOperationClient(
  wsUrl: string,
  connectionParams: Record<string, unknown> = { perOperationAuth: true },
) {
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => {
    resolveClosed = r;
  });
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (e) => resolveClosed((e as { code: number }).code) },
  });
  return { client, closed };
}

const headersOf = (who?: TestIdentity, token = who?.token) =>
  token ? { headers: { Authorization: `Bearer ${token}` } } : undefined;

/** One result of a query, or the errors the operation was refused with. */
function once(client: Client, query: string, extensions?: Record<string, unknown>): Promise<Result> {
  return client
    .iterate({ query, ...(extensions ? { extensions } : {}) })
    .next()
    .then(
      (r) => r.value as Result,
      (errors: Result['errors']) => ({ errors }),
    );
}

const FEED = 'subscription { feed { __typename ... on MessageAdded { message { body from } } } }';

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`graphql-ws authentication per operation, as GraphiQL sends it (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let ada: TestIdentity;
    let bob: TestIdentity;
    before(async () => {
      if (skip) return;
      s = await startServer(mode);
      ada = await register(s.url, 'Ada');
      bob = await register(s.url, 'Bob');
    });
    after(async () => {
      if (!skip) await s.close();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);

    test('should run signed-out operations and refuse session ones per operation, keeping the socket', async () => {
      const { client } = perOperationClient(s.wsUrl);
      try {
        assert.equal((await once(client, '{ serverInfo { mode } }')).data?.serverInfo.mode, mode);
        const me = await once(client, '{ me { address } }');
        assert.equal(me.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
        const feed = await once(client, FEED);
        assert.equal(feed.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
        const wrong = await once(client, '{ me { address } }', headersOf(undefined, 'cvs_nonsense'));
        assert.equal(wrong.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
        assert.equal(
          (await once(client, '{ serverInfo { mode } }')).data?.serverInfo.mode,
          mode,
          'still open',
        );
      } finally {
        await client.dispose();
      }
    });

    test('should authenticate each operation from its Authorization header and deliver a live feed', async () => {
      const { client } = perOperationClient(s.wsUrl);
      try {
        const me = await once(client, '{ me { address } }', {
          headers: { authorization: `Bearer ${ada.token}` },
        });
        assert.equal(me.data?.me.address, ada.address);
        // From a known position: whether the subscription is live before the send or not, the
        // message arrives (replayed, or live), never lost.
        const first = await send(s.url, bob, ada.address, 'before');
        const after = first.data?.sendMessage.position as number;
        const feed = client.iterate({
          query: FEED.replace('feed {', `feed(after: ${after}) {`),
          extensions: headersOf(ada)!,
        });
        await send(s.url, bob, ada.address, 'live');
        const item = (await feed.next()).value as Result;
        assert.equal(item.data?.feed.__typename, 'MessageAdded');
        assert.deepEqual(item.data?.feed.message, { body: 'live', from: bob.address });
        await feed.return?.();
      } finally {
        await client.dispose();
      }
    });

    test('should close a per-operation socket when a session it served signs out', async () => {
      const carol = await register(s.url, 'Carol');
      const { client, closed } = perOperationClient(s.wsUrl);
      assert.equal(
        (await once(client, '{ me { address } }', headersOf(carol))).data?.me.address,
        carol.address,
      );
      await gql(s.url, 'mutation { signOut }', {}, carol.token);
      assert.equal(await closed, 4403);
    });

    test('should run a session socket’s operations as its own session, whatever headers they carry', async () => {
      const ws = wsClient(s.wsUrl, ada.token);
      try {
        const me = await once(ws.client, '{ me { address } }', headersOf(bob));
        assert.equal(me.data?.me.address, ada.address);
      } finally {
        await ws.client.dispose();
      }
    });

    test('should still refuse with 4403 a connection_init with a bad token or no opt-in', async () => {
      for (const params of [
        { perOperationAuth: true, token: 'cvs_nonsense' },
        { perOperationAuth: 'yes' },
        { perOperationAuth: 1 },
      ]) {
        assert.equal(await perOperationClient(s.wsUrl, params).closed, 4403, JSON.stringify(params));
      }
    });
  });
}
