/**
 * Checks protocol/vectors.json against docs/protocol.md without the protocol module: every
 * value is recomputed here with node:crypto, Buffer and a base32 written from the RFC, so a
 * mistake shared by the implementation and the vectors still fails one of the two tests.
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import vectors from './vectors.json' with { type: 'json' };

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
const hex = (h: string) => Buffer.from(h, 'hex');

/** RFC 4648 §6 base32, lower case, no padding, spelled bit by bit on purpose. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = Array.from(bytes, (b) => b.toString(2).padStart(8, '0')).join('');
  bits = bits.padEnd(Math.ceil(bits.length / 5) * 5, '0');
  return (bits.match(/.{5}/g) ?? []).map((five) => alphabet[Number.parseInt(five, 2)]).join('');
}

/** The address rule as docs/protocol.md writes it, or null when the text is not one. */
function checksumHolds(address: string): boolean {
  if (!/^cv1[a-z2-7]{39}$/.test(address)) return false;
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bits = Array.from(address.slice(3), (c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  if (/1/.test(bits.slice(192))) return false;
  const bytes = Buffer.from((bits.slice(0, 192).match(/.{8}/g) ?? []).map((b) => Number.parseInt(b, 2)));
  return sha256(bytes.subarray(0, 20)).subarray(0, 4).equals(bytes.subarray(20));
}

const publicKey = (x: string) => createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
const privateKey = (seedHex: string) =>
  createPrivateKey({
    // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410).
    key: Buffer.concat([hex('302e020100300506032b657004220420'), hex(seedHex)]),
    format: 'der',
    type: 'pkcs8',
  });

describe('protocol vectors, recomputed from docs/protocol.md', () => {
  it('should hold addresses that are cv1 + base32(SHA-256(key)[0..20) ‖ SHA-256(payload)[0..4))', () => {
    for (const v of vectors.addresses) {
      const key = privateKey(v.seedHex);
      assert.equal(createPublicKey(key).export({ format: 'jwk' }).x, v.publicKey, v.source);
      assert.equal(Buffer.from(v.publicKey, 'base64url').toString('hex'), v.publicKeyHex);
      const payload = sha256(hex(v.publicKeyHex)).subarray(0, 20);
      assert.equal(payload.toString('hex'), v.payloadHex);
      assert.equal(sha256(payload).subarray(0, 4).toString('hex'), v.checksumHex);
      assert.equal(v.address, `cv1${base32(Buffer.concat([payload, hex(v.checksumHex)]))}`);
      assert.equal(v.address.length, 42);
    }
  });

  it('should hold the documented example address as a valid one, and only invalid ones as invalid', () => {
    assert.equal(checksumHolds(vectors.documentedAddress), true);
    for (const v of vectors.addresses) assert.equal(checksumHolds(v.address), true);
    for (const v of vectors.invalidAddresses) assert.equal(checksumHolds(v.address), false, v.why);
  });

  it('should hold auth messages in the documented format, signed by the named key', () => {
    assert.ok(vectors.authMessages.some((m) => m.purpose === 'register'));
    assert.ok(vectors.authMessages.some((m) => m.purpose === 'sign-in'));
    for (const m of vectors.authMessages) {
      assert.match(m.challenge, /^cvc_[A-Za-z0-9_-]{43}$/);
      assert.equal(m.text, `callvault-auth-v1\n${m.purpose}\n${m.challenge}\n${m.address}`);
      assert.equal(Buffer.from(m.text, 'utf8').toString('hex'), m.hex);
      const signer = vectors.addresses.find((a) => a.publicKey === m.signer);
      assert.equal(signer?.address, m.address, 'the signer owns the address in the message');
      assert.equal(
        verify(null, hex(m.hex), publicKey(m.signer), Buffer.from(m.signature, 'base64url')),
        true,
      );
      // Ed25519 is deterministic: the vector is the one signature of this message by this key.
      assert.equal(sign(null, hex(m.hex), privateKey(signer.seedHex)).toString('base64url'), m.signature);
    }
  });

  it('should hold call tokens in the documented field order, signed by the caller', () => {
    for (const t of vectors.callTokens) {
      const f = t.fields;
      assert.match(f.callId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const nonce = Buffer.from(f.nonce, 'base64url');
      assert.ok(nonce.length >= 16 && nonce.length <= 64);
      assert.equal(
        t.text,
        `callvault-call-v1\n${f.callId}\n${f.from}\n${f.to}\n${f.media}\n${f.issuedAt}\n${f.nonce}`,
      );
      assert.equal(Buffer.from(t.text, 'utf8').toString('hex'), t.hex);
      const signer = vectors.addresses.find((a) => a.publicKey === t.signer);
      assert.equal(signer?.address, f.from);
      assert.equal(
        verify(null, hex(t.hex), publicKey(t.signer), Buffer.from(t.signature, 'base64url')),
        true,
      );
      assert.equal(sign(null, hex(t.hex), privateKey(signer.seedHex)).toString('base64url'), t.signature);
    }
  });

  it('should hold base64url texts that are the one canonical spelling of their bytes', () => {
    for (const v of vectors.base64url.valid) {
      assert.equal(Buffer.from(v.hex, 'hex').toString('base64url'), v.text);
    }
    for (const v of vectors.base64url.invalid) {
      // Node's decoder is lenient: a text is canonical only when re-encoding gives it back.
      const canonical =
        /^[A-Za-z0-9_-]+$/.test(v.text) && Buffer.from(v.text, 'base64url').toString('base64url') === v.text;
      assert.equal(canonical, false, v.why);
    }
  });
});
