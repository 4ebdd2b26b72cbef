/**
 * The web client's data layer against the real server, in Node (WebCrypto and fetch are the
 * browser's APIs here too): registration, silent sign-in on return, a session that ended.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { publicApi } from '../../web/src/client/connection.ts';
import { KeyStore } from '../../web/src/client/keys.ts';
import { MemoryStore } from '../../web/src/client/kv.ts';
import { Session } from '../../web/src/client/session.ts';
import { startServer, type TestServer } from '../support/server.ts';

describe('web client session against the server', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('memory');
  });
  after(() => server.close());

  const me = async (token: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { address displayName } }' }),
    });
    return ((await res.json()) as { data: { me: { address: string; displayName: string } | null } }).data.me;
  };

  it('should register by signing the challenge, then reuse the stored token on return', async () => {
    const kv = new MemoryStore();
    const api = publicApi(`${server.url}/graphql`);
    const session = new Session(kv, new KeyStore(kv), api);
    const info = await session.register('Ada');
    assert.match(info.token, /^cvs_/);
    assert.deepEqual(await me(info.token), { address: info.address, displayName: 'Ada' });
    const again = await new Session(kv, new KeyStore(kv), api).resume();
    assert.equal(again?.token, info.token);
  });

  it('should sign in again silently with the stored key when the token is gone or expiring', async () => {
    const kv = new MemoryStore();
    const api = publicApi(`${server.url}/graphql`);
    const first = await new Session(kv, new KeyStore(kv), api).register('Grace');
    await new Session(kv, new KeyStore(kv), api).forgetToken();
    const renewed = await new Session(kv, new KeyStore(kv), api).resume();
    assert.ok(renewed);
    assert.notEqual(renewed.token, first.token);
    assert.equal(renewed.address, first.address);
    assert.equal((await me(renewed.token))?.displayName, 'Grace');
    // A token within the renewal margin of its expiry is replaced too.
    const late = new Session(kv, new KeyStore(kv), api, 'web', () => renewed.expiresAt);
    assert.notEqual((await late.resume())?.token, renewed.token);
  });

  it('should have nothing to resume once the identity is forgotten', async () => {
    const kv = new MemoryStore();
    const api = publicApi(`${server.url}/graphql`);
    const session = new Session(kv, new KeyStore(kv), api);
    await session.register('Linus');
    await session.forgetAll();
    assert.equal(await session.resume(), null);
  });
});
