/**
 * The web client's data layer against the real server, in Node (WebCrypto and fetch are the
 * browser's APIs here too): registration, silent sign-in on return, a session that ended.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportBackup } from '../../web/src/client/backup.ts';
import { publicApi } from '../../web/src/client/connection.ts';
import { createIdentityKey, KeyStore } from '../../web/src/client/keys.ts';
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

  it('should not sign in on its own once the session was ended on purpose, and sign in again when asked', async () => {
    const kv = new MemoryStore();
    const api = publicApi(`${server.url}/graphql`);
    const session = new Session(kv, new KeyStore(kv), api);
    const first = await session.register('Ken');
    await session.markEnded();
    const again = new Session(kv, new KeyStore(kv), api);
    assert.equal(await again.resume(), null, 'no silent sign-in after a deliberate end, across restarts');
    const key = await again.heldKey();
    assert.equal(key?.address, first.address, 'the key is kept');
    const renewed = await again.signIn(key!);
    assert.equal((await me(renewed.token))?.address, first.address);
    assert.equal((await again.resume())?.token, renewed.token, 'signed in again, resume works as before');
  });

  it('should restore a backup as a second session, and keep nothing when the server refuses it', async () => {
    const api = publicApi(`${server.url}/graphql`);
    const kvA = new MemoryStore();
    const keysA = new KeyStore(kvA);
    const ada = await new Session(kvA, keysA, api).register('Ada two devices');
    const backup = await exportBackup(
      (await keysA.load())!,
      await keysA.deviceKey(),
      'a long enough passphrase',
    );

    const kvB = new MemoryStore();
    const second = await new Session(kvB, new KeyStore(kvB), api).importBackup(
      backup,
      'a long enough passphrase',
    );
    assert.equal(second.address, ada.address);
    assert.notEqual(second.sessionId, ada.sessionId);
    assert.equal((await me(second.token))?.address, ada.address);
    assert.equal((await me(ada.token))?.address, ada.address, 'the first device stays signed in');
    assert.ok((await new KeyStore(kvB).load())?.sealed, 'kept, sealed for this device');

    // A key this server never saw: decrypted and checked, then refused by the server (NOT_FOUND).
    const stranger = await createIdentityKey(await keysA.deviceKey());
    const strangerBackup = await exportBackup(stranger, await keysA.deviceKey(), 'a long enough passphrase');
    const kvC = new MemoryStore();
    await assert.rejects(
      new Session(kvC, new KeyStore(kvC), api).importBackup(strangerBackup, 'a long enough passphrase'),
      (e: Error & { code?: string }) => e.code === 'NOT_FOUND',
    );
    assert.equal(await new KeyStore(kvC).load(), undefined, 'nothing kept');
    assert.equal(await new Session(kvC, new KeyStore(kvC), api).resume(), null);
  });
});
