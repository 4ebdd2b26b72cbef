import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { ADDRESS_LENGTH, addressOf, addressProblem, base32Decode, base32Encode } from './address.ts';

const rawKey = () =>
  Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string, 'base64url');

describe('addresses', () => {
  it('should derive a stable, well-formed address from a public key', () => {
    const key = rawKey();
    const a = addressOf(key);
    assert.equal(a, addressOf(key));
    assert.equal(a.length, ADDRESS_LENGTH);
    assert.match(a, /^cv1[a-z2-7]{39}$/);
    assert.equal(addressProblem(a), null);
    assert.notEqual(addressOf(rawKey()), a);
  });

  it('should reject every single-character typo of an address', () => {
    const a = addressOf(rawKey());
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
    for (let i = 3; i < a.length; i++) {
      const ch = alphabet[(alphabet.indexOf(a[i]!) + 1) % 32]!;
      const typo = a.slice(0, i) + ch + a.slice(i + 1);
      assert.notEqual(addressProblem(typo), null, `typo at ${i} accepted`);
    }
  });

  it('should explain malformed addresses', () => {
    assert.match(addressProblem('xx1abc')!, /starts with cv1/);
    assert.match(addressProblem('cv1abc')!, /characters long/);
    assert.match(addressProblem(`cv1${'0'.repeat(39)}`)!, /a-z and 2-7/);
    assert.match(addressProblem(42)!, /string/);
  });

  it('should round-trip base32', () => {
    const bytes = Uint8Array.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    assert.deepEqual(base32Decode(base32Encode(bytes))!.subarray(0, bytes.length), bytes);
  });
});
