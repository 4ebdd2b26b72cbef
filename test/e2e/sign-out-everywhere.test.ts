/**
 * signOutEverywhere: every live session of the viewer's identity ends (one SessionEnded each,
 * appended together), every socket of those sessions closes (4403) on every node, a stranger
 * ends only their own, and the key can sign in again afterwards. Both store modes, over HTTP
 * and graphql-ws.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  challenge,
  codeOf,
  gql,
  register,
  SIGN_IN,
  subscribe,
  type TestIdentity,
  wsClient,
} from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const ME = '{ me { address } }';
const EVERYWHERE = 'mutation { signOutEverywhere }';

/** A new session (another device) for an identity whose key we hold. */
async function signIn(url: string, id: TestIdentity, device: string): Promise<string> {
  const c = await challenge(url);
  const r = await gql(url, SIGN_IN, {
    input: { address: id.address, challenge: c, signature: id.sign(id.authMessage('sign-in', c)), device },
  });
  const token = r.data?.signIn.token;
  assert.ok(typeof token === 'string', JSON.stringify(r.errors));
  return token;
}

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`sign out of every session (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    /** A second node on the same database (postgres), else the same server. */
    let other: TestServer;
    before(async () => {
      if (skip) return;
      s = await startServer(mode);
      other = mode === 'postgres' ? await startServer('postgres', {}, { db: s.db! }) : s;
    });
    after(async () => {
      if (skip) return;
      if (other !== s) await other.close();
      await s.close();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);
    const live = async (url: string, token: string) => (await gql(url, ME, {}, token)).data?.me != null;

    test('should end every session of the caller, close their sockets on every node, and leave others alone', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const phone = await signIn(s.url, ada, 'phone');
      const laptop = await signIn(other.url, ada, 'laptop');
      const sockets = [
        wsClient(s.wsUrl, ada.token),
        wsClient(s.wsUrl, phone),
        wsClient(other.wsUrl, laptop),
        wsClient(other.wsUrl, laptop),
      ];
      const bobWs = wsClient(s.wsUrl, bob.token);
      // Every socket is acknowledged (its feed runs) before the sign-out.
      for (const ws of [...sockets, bobWs]) {
        const feed = subscribe(ws.client, 'subscription { feed(after: 0) { position } }');
        await feed.next();
      }

      const out = await gql(s.url, EVERYWHERE, {}, phone);
      assert.deepEqual(out.data, { signOutEverywhere: 3 });
      for (const ws of sockets) assert.equal((await ws.closed).code, 4403);
      for (const token of [ada.token, phone, laptop]) {
        assert.equal(codeOf(await gql(s.url, ME, {}, token)), 'UNAUTHENTICATED');
        assert.equal(codeOf(await gql(other.url, ME, {}, token)), 'UNAUTHENTICATED');
      }
      assert.equal(await live(s.url, bob.token), true, 'another identity keeps its session');
      assert.equal(await live(other.url, bob.token), true);

      // The key still signs in: sign-out ends sessions, it does not change the key.
      const again = await signIn(other.url, ada, 'phone');
      assert.equal(await live(s.url, again), true);
      // Only what is live counts: the ended sessions are not ended twice.
      assert.deepEqual((await gql(other.url, EVERYWHERE, {}, again)).data, { signOutEverywhere: 1 });
      await bobWs.client.dispose();
    });

    test('should work over graphql-ws too, closing the very socket that asked', async () => {
      const cat = await register(s.url, 'Cat');
      const tablet = await signIn(s.url, cat, 'tablet');
      const ws = wsClient(s.wsUrl, cat.token);
      const tabletWs = wsClient(other.wsUrl, tablet);
      const tabletFeed = subscribe(tabletWs.client, 'subscription { feed(after: 0) { position } }');
      await tabletFeed.next();
      const head = await s.app.log.head();
      const answer = subscribe(ws.client, EVERYWHERE);
      // The answer may or may not beat the close: the session ends either way.
      const first = await answer.next().catch(() => null);
      if (first?.value) assert.deepEqual(first.value.data, { signOutEverywhere: 2 });
      assert.equal((await ws.closed).code, 4403);
      assert.equal((await tabletWs.closed).code, 4403);
      const appended = (await s.app.log.readAll(head, 100)).filter((e) => e.type === 'SessionEnded');
      assert.deepEqual(
        appended.map((e) => e.data.reason),
        ['signed_out_everywhere', 'signed_out_everywhere'],
      );
      assert.equal(codeOf(await gql(s.url, ME, {}, tablet)), 'UNAUTHENTICATED');
    });

    test('should refuse without a live session and over GET, appending nothing', async () => {
      const dan = await register(s.url, 'Dan');
      const head = await s.app.log.head();
      assert.equal(codeOf(await gql(s.url, EVERYWHERE, {})), 'UNAUTHENTICATED');
      assert.equal(codeOf(await gql(s.url, EVERYWHERE, {}, `cvs_${'A'.repeat(43)}`)), 'UNAUTHENTICATED');
      const get = await fetch(`${s.url}/graphql?query=${encodeURIComponent(EVERYWHERE)}`, {
        headers: { authorization: `Bearer ${dan.token}`, accept: 'application/json' },
      });
      assert.notEqual(get.status, 200);
      const noToken = wsClient(s.wsUrl, undefined);
      assert.equal((await noToken.closed).code, 4403, 'no token, no socket');
      assert.equal(await s.app.log.head(), head, 'the log must not change');
      assert.equal(await live(s.url, dan.token), true);
    });
  });
}
