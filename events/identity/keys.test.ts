import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { authMessage } from '../../protocol/auth.ts';
import protocolVectors from '../../protocol/vectors.json' with { type: 'json' };
import vectors from './fixtures/ed25519-edge-cases.json' with { type: 'json' };
import { ed25519PublicKey, publicKeyProblem, verifyEd25519, verifyEd25519Bytes } from './keys.ts';

const hex = (h: string) => Buffer.from(h, 'hex');
const b64 = (h: string) => hex(h).toString('base64url');

function freshKey() {
  const pair = generateKeyPairSync('ed25519');
  const x = pair.publicKey.export({ format: 'jwk' }).x as string;
  return { x, key: ed25519PublicKey(x)!, sign: (m: Uint8Array) => sign(null, m, pair.privateKey) };
}

describe('strict Ed25519', () => {
  it('should accept a real key and its signature, and refuse the signature of another message', () => {
    const k = freshKey();
    assert.ok(k.key);
    const msg = authMessage('register', 'cvc_x', 'cv1x');
    const sig = k.sign(msg);
    assert.equal(verifyEd25519(k.key, msg, sig.toString('base64url')), true);
    assert.equal(verifyEd25519(k.key, Buffer.from('other'), sig.toString('base64url')), false);
  });

  it('should accept the RFC 8032 test vector and refuse it with L added to S', () => {
    const v = vectors.sNotReduced;
    const key = ed25519PublicKey(b64(v.publicKey))!;
    assert.ok(key, 'the RFC 8032 key is a good key');
    assert.equal(verifyEd25519Bytes(key, hex(v.message), hex(v.valid)), true);
    assert.equal(verifyEd25519Bytes(key, hex(v.message), hex(v.sPlusL)), false);
  });

  it('should refuse every small-order key, whatever its spelling', () => {
    for (const k of vectors.smallOrderKeys.keys) {
      assert.equal(ed25519PublicKey(b64(k)), null, k);
      assert.ok(publicKeyProblem(hex(k)), k);
    }
  });

  it('should refuse non-canonical (y >= p) and off-curve keys', () => {
    for (const k of [...vectors.nonCanonicalKeys.keys, ...vectors.offCurveKeys.keys]) {
      assert.equal(ed25519PublicKey(b64(k)), null, k);
    }
    assert.match(publicKeyProblem(hex(vectors.nonCanonicalKeys.keys[2]!))!, /canonical/);
    assert.match(publicKeyProblem(hex(vectors.offCurveKeys.keys[0]!))!, /not a point/);
  });

  it('should refuse the trivial forgery: identity key, identity R, S = 0', () => {
    const identity = vectors.smallOrderKeys.keys[0]!;
    assert.equal(ed25519PublicKey(b64(identity)), null);
    // Even with a good key, a small-order R is refused before OpenSSL sees it.
    const k = freshKey();
    for (const r of vectors.smallOrderKeys.keys) {
      const sig = Buffer.concat([hex(r), Buffer.alloc(32)]);
      assert.equal(verifyEd25519Bytes(k.key, Buffer.from('m'), sig), false, r);
    }
  });

  it('should refuse every "Taming the many EdDSAs" edge case', () => {
    const { cases, keyRefused } = vectors.taming;
    const strictlyValid: number[] = vectors.taming.strictlyValid;
    cases.forEach((c, i) => {
      const key = ed25519PublicKey(b64(c.pub_key));
      assert.equal(key === null, keyRefused.includes(i), `case ${i}: key`);
      const ok = key ? verifyEd25519Bytes(key, hex(c.message), hex(c.signature)) : false;
      assert.equal(ok, strictlyValid.includes(i), `case ${i}: signature`);
    });
  });

  it('should refuse a signature with a non-canonical R (y >= p)', () => {
    const k = freshKey();
    const sig = Buffer.concat([hex(vectors.nonCanonicalKeys.keys[2]!), Buffer.alloc(32, 1)]);
    sig[63] = 0;
    assert.equal(verifyEd25519Bytes(k.key, Buffer.from('m'), sig), false);
  });

  it('should take keys and signatures only in canonical base64url: no padding, no stray low bits', () => {
    const k = freshKey();
    const x = k.x;
    assert.equal(ed25519PublicKey(`${x}=`), null);
    // 32 bytes = 43 characters; the last one carries 2 unused bits, which must be zero.
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const i = last.indexOf(x.at(-1)!);
    const sibling = x.slice(0, -1) + last[i ^ 1];
    assert.equal(ed25519PublicKey(sibling), null, 'the same bytes spelled differently');
    const msg = Buffer.from('m');
    const sig = k.sign(msg).toString('base64url');
    assert.equal(verifyEd25519(k.key, msg, sig), true);
    // 64 bytes = 86 characters; the last one carries 4 unused bits.
    const stray = sig.slice(0, -1) + last[last.indexOf(sig.at(-1)!) ^ 1];
    assert.equal(verifyEd25519(k.key, msg, stray), false, 'a signature spelled with stray bits');
  });

  it('should verify the protocol vectors: each auth message and call token signed by its key', () => {
    const signed = [...protocolVectors.authMessages, ...protocolVectors.callTokens];
    for (const v of signed) {
      const key = ed25519PublicKey(v.signer)!;
      assert.ok(key);
      assert.equal(verifyEd25519(key, hex(v.hex), v.signature), true);
      assert.equal(verifyEd25519(key, hex(`${v.hex}0a`), v.signature), false);
    }
  });
});
