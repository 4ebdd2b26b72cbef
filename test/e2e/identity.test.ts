import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  challenge,
  codeOf,
  gql,
  REGISTER,
  register,
  SIGN_IN,
  subscribe,
  TestIdentity,
  wsClient,
} from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const ME = '{ me { address displayName } }';
const FEED =
  'subscription Feed($after: Position) { feed(after: $after) { position __typename ... on IdentityUpdated { identity { displayName } } } }';

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`identities and sessions over HTTP and graphql-ws (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    before(async () => {
      if (!skip) s = await startServer(mode);
    });
    after(async () => {
      if (!skip) await s.close();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);
    /** Runs `fn` and asserts that it appended nothing to the log. */
    const appendsNothing = async (fn: () => Promise<void>) => {
      const before = await s.app.log.head();
      await fn();
      assert.equal(await s.app.log.head(), before, 'the log must not change');
    };

    test('should register, sign in on a second device, read me, and sign out', async () => {
      const ada = await register(s.url, 'Ada');
      const me = await gql(s.url, ME, {}, ada.token);
      assert.deepEqual(me.data, { me: { address: ada.address, displayName: 'Ada' } });

      const c = await challenge(s.url);
      const signIn = await gql(s.url, SIGN_IN, {
        input: {
          address: ada.address,
          challenge: c,
          signature: ada.sign(ada.authMessage('sign-in', c)),
          device: 'phone',
        },
      });
      const phoneToken = signIn.data?.signIn.token as string;
      assert.ok(phoneToken.startsWith('cvs_'));
      assert.notEqual(phoneToken, ada.token);

      const ws = wsClient(s.wsUrl, ada.token);
      // From position 0: the registration first, so the subscription is surely live before the change.
      const feed = subscribe(ws.client, FEED, { after: 0 });
      assert.equal((await feed.next()).value?.data?.feed.identity.displayName, 'Ada');
      await gql(
        s.url,
        'mutation { changeDisplayName(displayName: "Ada L.") { displayName } }',
        {},
        phoneToken,
      );
      const item = await feed.next();
      assert.equal(item.value?.data?.feed.__typename, 'IdentityUpdated');
      assert.equal(item.value?.data?.feed.identity.displayName, 'Ada L.');

      const out = await gql(s.url, 'mutation { signOut }', {}, ada.token);
      assert.deepEqual(out.data, { signOut: true });
      assert.equal((await ws.closed).code, 4403, 'the signed-out session’s socket is closed');
      const refused = await gql(s.url, ME, {}, ada.token);
      assert.equal(codeOf(refused), 'UNAUTHENTICATED');
      const stillIn = await gql(s.url, ME, {}, phoneToken);
      assert.equal(stillIn.data?.me.displayName, 'Ada L.', 'the other device stays signed in');
    });

    test('should refuse a bad signature without using up the challenge', async () => {
      const id = new TestIdentity();
      const c = await challenge(s.url);
      await appendsNothing(async () => {
        const r = await gql(s.url, REGISTER, {
          input: {
            publicKey: id.publicKey,
            displayName: 'X',
            challenge: c,
            signature: id.sign('something else'),
          },
        });
        assert.equal(codeOf(r), 'SIGNATURE_INVALID');
        const other = new TestIdentity();
        const r2 = await gql(s.url, REGISTER, {
          input: {
            publicKey: id.publicKey,
            displayName: 'X',
            challenge: c,
            signature: other.sign(id.authMessage('register', c)),
          },
        });
        assert.equal(codeOf(r2), 'SIGNATURE_INVALID');
      });
      const ok = await gql(s.url, REGISTER, {
        input: {
          publicKey: id.publicKey,
          displayName: 'X',
          challenge: c,
          signature: id.sign(id.authMessage('register', c)),
        },
      });
      assert.ok(ok.data?.register.token);
    });

    test('should refuse a reused, an expired and an invented challenge', async () => {
      const ada = await register(s.url, 'Ada');
      const c = await challenge(s.url);
      const input = {
        address: ada.address,
        challenge: c,
        signature: ada.sign(ada.authMessage('sign-in', c)),
      };
      assert.ok((await gql(s.url, SIGN_IN, { input })).data);
      await appendsNothing(async () => {
        assert.equal(codeOf(await gql(s.url, SIGN_IN, { input })), 'CHALLENGE_INVALID');
        const old = await challenge(s.url);
        s.clock.offsetMs = 6 * 60 * 1000;
        try {
          const expired = await gql(s.url, SIGN_IN, {
            input: {
              address: ada.address,
              challenge: old,
              signature: ada.sign(ada.authMessage('sign-in', old)),
            },
          });
          assert.equal(codeOf(expired), 'CHALLENGE_INVALID');
        } finally {
          s.clock.offsetMs = 0;
        }
        const invented = `cvc_${'A'.repeat(43)}`;
        const r = await gql(s.url, SIGN_IN, {
          input: {
            address: ada.address,
            challenge: invented,
            signature: ada.sign(ada.authMessage('sign-in', invented)),
          },
        });
        assert.equal(codeOf(r), 'CHALLENGE_INVALID');
        const registerSigned = await challenge(s.url);
        const wrongPurpose = await gql(s.url, SIGN_IN, {
          input: {
            address: ada.address,
            challenge: registerSigned,
            signature: ada.sign(ada.authMessage('register', registerSigned)),
          },
        });
        assert.equal(codeOf(wrongPurpose), 'SIGNATURE_INVALID');
      });
    });

    test('should refuse malformed and mistyped addresses and bad keys with clear errors', async () => {
      const ada = await register(s.url, 'Ada');
      const typo = ada.address.slice(0, -1) + (ada.address.endsWith('a') ? 'q' : 'a');
      await appendsNothing(async () => {
        for (const [address, pattern] of [
          ['not-an-address', /starts with cv1/],
          [typo, /checksum/],
        ] as const) {
          const c = await challenge(s.url);
          const r = await gql(s.url, SIGN_IN, { input: { address, challenge: c, signature: ada.sign('x') } });
          assert.equal(codeOf(r), 'ADDRESS_INVALID');
          assert.match(r.errors![0]!.message, pattern);
          const lookup = await gql(
            s.url,
            'query($a: String!) { identity(address: $a) { address } }',
            { a: address },
            ada.token,
          );
          assert.equal(codeOf(lookup), 'ADDRESS_INVALID');
        }
        const c = await challenge(s.url);
        const badKey = await gql(s.url, REGISTER, {
          input: { publicKey: 'AAAA', displayName: 'X', challenge: c, signature: 'x' },
        });
        assert.equal(codeOf(badKey), 'BAD_INPUT');
        const again = await gql(s.url, REGISTER, {
          input: {
            publicKey: ada.publicKey,
            displayName: 'Y',
            challenge: c,
            signature: ada.sign(ada.authMessage('register', c)),
          },
        });
        assert.equal(codeOf(again), 'CONFLICT');
        const badName = await gql(
          s.url,
          'mutation { changeDisplayName(displayName: "   ") { displayName } }',
          {},
          ada.token,
        );
        assert.equal(codeOf(badName), 'BAD_INPUT');
      });
    });

    test('should refuse oversized, too deep and too costly operations', async () => {
      const ada = await register(s.url, 'Ada');
      await appendsNothing(async () => {
        const big = await gql(
          s.url,
          `mutation { changeDisplayName(displayName: "${'x'.repeat(70_000)}") { address } }`,
          {},
          ada.token,
        );
        assert.equal(big.status, 413);
        const introspection = `{ __schema { types { fields { type { ${'ofType { '.repeat(7)}name${' }'.repeat(7)} } } } } }`;
        assert.ok(
          (await gql(s.url, introspection, {}, ada.token)).data,
          "GraphiQL's introspection depth passes",
        );
        const tooDeep = `{ __schema { types { fields { type { ${'ofType { '.repeat(14)}name${' }'.repeat(14)} } } } } }`;
        const d = await gql(s.url, tooDeep, {}, ada.token);
        assert.match(JSON.stringify(d.errors), /depth/i);
        const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: me { address }`).join(' ');
        const a = await gql(s.url, `{ ${aliases} }`, {}, ada.token);
        assert.match(JSON.stringify(a.errors), /alias/i);
        // Today's schema is too shallow to reach the default cost limit within the alias
        // limit; a server with a low GRAPHQL_MAX_COST shows the limit is enforced.
        const cheap = await startServer('memory', { GRAPHQL_MAX_COST: '30' });
        try {
          const bob = await register(cheap.url, 'Bob');
          assert.ok((await gql(cheap.url, '{ me { address } }', {}, bob.token)).data);
          const costly = `{ ${Array.from({ length: 6 }, (_, i) => `m${i}: me { address displayName publicKey }`).join(' ')} }`;
          const c = await gql(cheap.url, costly, {}, bob.token);
          assert.match(JSON.stringify(c.errors), /cost/i);
        } finally {
          await cheap.close();
        }
        const tokens = `{ me { ${'address '.repeat(2100)} } }`;
        const t = await gql(s.url, tokens, {}, ada.token);
        assert.match(JSON.stringify(t.errors), /token/i);
      });
    });

    test('should refuse WebSockets without a valid session, before connection_init, and on a second init', async () => {
      const none = wsClient(s.wsUrl, undefined);
      assert.equal((await none.closed).code, 4403);
      const wrong = wsClient(s.wsUrl, 'cvs_nonsense');
      assert.equal((await wrong.closed).code, 4403);

      const ada = await register(s.url, 'Ada');
      const raw = (messages: object[]) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(s.wsUrl, 'graphql-transport-ws');
          ws.on('open', () => {
            for (const m of messages) ws.send(JSON.stringify(m));
          });
          ws.on('close', (code) => resolve(code));
        });
      assert.equal(await raw([{ id: '1', type: 'subscribe', payload: { query: FEED } }]), 4401);
      const legacy = await new Promise<string>((resolve) => {
        const ws = new WebSocket(s.wsUrl, 'graphql-ws'); // the old subscriptions-transport-ws protocol
        ws.on('open', () => resolve('open'));
        ws.on('error', (e) => resolve(e.message));
      });
      assert.match(legacy, /subprotocol/i, 'only graphql-transport-ws is spoken');
      assert.equal(
        await raw([
          { type: 'connection_init', payload: { token: ada.token } },
          { type: 'connection_init', payload: { token: ada.token } },
        ]),
        4429,
      );
      const big = await raw([
        { type: 'connection_init', payload: { token: ada.token } },
        { id: '1', type: 'subscribe', payload: { query: `{ me { address } } #${'x'.repeat(70_000)}` } },
      ]);
      assert.equal(big, 1006, 'an oversized message closes the socket');
    });

    test('should check the session again at each subscribe', async () => {
      const ada = await register(s.url, 'Ada');
      const ws = wsClient(s.wsUrl, ada.token);
      const r = await subscribe(ws.client, '{ me { displayName } }').next();
      assert.equal(r.value?.data?.me.displayName, 'Ada');
      s.clock.offsetMs = 31 * 24 * 3600 * 1000; // past the session's expiry
      try {
        const refused = await subscribe(ws.client, FEED)
          .next()
          .then(
            () => 'delivered',
            (errors: { extensions?: { code?: string } }[]) => errors[0]?.extensions?.code,
          );
        assert.equal(refused, 'UNAUTHENTICATED');
        assert.equal((await ws.closed).code, 4403);
      } finally {
        s.clock.offsetMs = 0;
      }
    });

    test('should resume the feed after a position without loss or repetition', async () => {
      const ada = await register(s.url, 'Ada');
      const names = ['B1', 'B2', 'B3'];
      for (const n of names) {
        await gql(
          s.url,
          `mutation { changeDisplayName(displayName: "${n}") { displayName } }`,
          {},
          ada.token,
        );
      }
      const ws = wsClient(s.wsUrl, ada.token);
      const all = subscribe(ws.client, FEED, { after: 0 });
      const got: { position: number; identity?: { displayName: string } }[] = [];
      while (got.length < 4) got.push((await all.next()).value!.data!.feed);
      assert.equal(got.length, 4, 'registration + three changes');
      const resumed = subscribe(ws.client, FEED, { after: got[1]!.position });
      const next = subscribe(ws.client, FEED, { after: got[3]!.position });
      const pendingLive = next.next();
      const a = (await resumed.next()).value!.data!.feed;
      const b = (await resumed.next()).value!.data!.feed;
      assert.deepEqual([a.position, b.position], [got[2]!.position, got[3]!.position]);
      await gql(s.url, 'mutation { changeDisplayName(displayName: "Live") { displayName } }', {}, ada.token);
      const live = (await pendingLive).value!.data!.feed;
      assert.ok(live.position > got[3]!.position);
      assert.equal(live.identity.displayName, 'Live');
      await ws.client.dispose();
    });

    test('should label operation metrics by schema field, so that client-chosen operation names add no series', async () => {
      const series = async () =>
        (await (await fetch(`${s.url}/metrics`)).text())
          .split('\n')
          .filter((l) => l.startsWith('callvault_graphql_operations_total{'));
      const ask = (query: string) =>
        fetch(`${s.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
      await ask('query First { __typename }');
      await ask('query Both { __typename serverInfo { mode } }');
      const before = await series();
      for (let i = 0; i < 50; i++) {
        await ask(`query N${'x'.repeat(1000)}${i} { __typename }`);
        await ask(`query M${i} { __typename serverInfo { mode } }`);
      }
      const after = await series();
      assert.equal(after.length, before.length, after.join('\n'));
      assert.doesNotMatch(after.join('\n'), /xxxx|First|Both/);
      assert.ok(
        after.some((l) =>
          l.startsWith('callvault_graphql_operations_total{field="__typename",kind="query",outcome="ok"}'),
        ),
        after.join('\n'),
      );
      assert.ok(
        after.some((l) =>
          l.startsWith('callvault_graphql_operations_total{field="multiple",kind="query",outcome="ok"}'),
        ),
        after.join('\n'),
      );
    });

    test('should answer HEAD /api/health with the status and type a GET gets, without a body', async () => {
      const head = await fetch(`${s.url}/api/health`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.match(head.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(await head.text(), '');
      // On one kept-alive connection, a GET after the HEAD must still be answered (it was not
      // when the HEAD answer announced a Content-Length that no body followed).
      const { hostname, port } = new URL(s.url);
      const socket = connect(Number(port), hostname);
      let received = '';
      const until = (done: () => boolean) =>
        new Promise<void>((resolve, reject) => {
          const check = () => {
            if (!done()) return;
            socket.off('data', check);
            resolve();
          };
          socket.on('data', check);
          socket.once('close', () => reject(new Error(`closed after: ${received}`)));
          check();
        });
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        received += d;
      });
      try {
        socket.write('HEAD /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
        await until(() => received.includes('\r\n\r\n'));
        assert.match(received, /^HTTP\/1\.1 200/);
        socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
        await until(() => received.includes('"ok":true'));
      } finally {
        socket.destroy();
      }
    });

    test('should answer health and ICE checks in the deployed app’s shape', async () => {
      const health = await (await fetch(`${s.url}/api/health`)).json();
      assert.equal(health.ok, true);
      assert.equal(typeof health.timestamp, 'number');
      assert.equal(health.mode, mode);
      const ice = await fetch(`${s.url}/api/ice-verify`);
      const body = await ice.json();
      assert.equal(body.status, 'error', 'nothing configured is an error');
      assert.equal(ice.status, 503);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      assert.match(
        metrics,
        /callvault_graphql_operations_total\{field="register",kind="mutation",outcome="ok"\} \d+/,
      );
      assert.match(metrics, /callvault_websocket_connections/);
      assert.match(metrics, /callvault_event_append_seconds_count [1-9]\d*/);
      assert.match(metrics, /callvault_subscription_lag_seconds_count [1-9]\d*/);
      assert.match(metrics, /callvault_projection_position [1-9]\d*/);
    });
  });
}
