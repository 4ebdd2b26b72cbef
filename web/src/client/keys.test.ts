import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressProblem, authMessage } from '../../../protocol/index.ts';
import { createIdentityKey, KeyStore, sign, verifyFrom } from './keys.ts';
import { MemoryStore } from './kv.ts';

describe('identity keys', () => {
  it('should make a non-extractable Ed25519 key whose address passes the checksum', async () => {
    const key = await createIdentityKey();
    assert.equal(key.privateKey.extractable, false);
    assert.equal(key.privateKey.algorithm.name, 'Ed25519');
    assert.equal(addressProblem(key.address), null);
    assert.equal(key.publicKey.length, 43);
    await assert.rejects(crypto.subtle.exportKey('pkcs8', key.privateKey));
  });

  it('should sign protocol bytes that verify against the address, and not for another address', async () => {
    const key = await createIdentityKey();
    const other = await createIdentityKey();
    const bytes = authMessage('sign-in', `cvc_${'A'.repeat(43)}`, key.address);
    const signature = await sign(key, bytes);
    assert.equal(signature.length, 86);
    assert.equal(await verifyFrom(key.address, key.publicKey, bytes, signature), true);
    assert.equal(await verifyFrom(other.address, key.publicKey, bytes, signature), false);
    assert.equal(await verifyFrom(other.address, other.publicKey, bytes, signature), false);
    const tampered = authMessage('register', `cvc_${'A'.repeat(43)}`, key.address);
    assert.equal(await verifyFrom(key.address, key.publicKey, tampered, signature), false);
  });

  it('should keep the key across loads and forget it on clear', async () => {
    const store = new KeyStore(new MemoryStore());
    assert.equal(await store.load(), undefined);
    const key = await createIdentityKey();
    await store.save(key);
    const loaded = await store.load();
    assert.equal(loaded?.address, key.address);
    const bytes = new TextEncoder().encode('x');
    assert.equal(await verifyFrom(key.address, key.publicKey, bytes, await sign(loaded!, bytes)), true);
    await store.clear();
    assert.equal(await store.load(), undefined);
  });
});
