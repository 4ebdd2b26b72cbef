import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ADDRESS_LENGTH,
  addressOf,
  addressProblem,
  authMessage,
  authMessageText,
  base32Decode,
  base32Encode,
  type CallTokenFields,
  callTokenMessage,
  callTokenText,
  fromBase64url,
  isLowerCaseUuid,
  isUuid,
  toBase64url,
} from './index.ts';
import vectors from './vectors.json' with { type: 'json' };

const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

describe('protocol module against the golden vectors', () => {
  it('should derive each vector address from its public key', () => {
    for (const v of vectors.addresses) {
      assert.equal(addressOf(fromHex(v.publicKeyHex)), v.address, v.source);
      assert.equal(addressProblem(v.address), null);
    }
    assert.equal(addressProblem(vectors.documentedAddress), null);
  });

  it('should refuse each invalid vector address, saying why', () => {
    for (const v of vectors.invalidAddresses) assert.equal(typeof addressProblem(v.address), 'string', v.why);
  });

  it('should give the exact auth message bytes', () => {
    for (const m of vectors.authMessages) {
      const purpose = m.purpose === 'register' ? 'register' : 'sign-in';
      assert.equal(authMessageText(purpose, m.challenge, m.address), m.text);
      assert.equal(toHex(authMessage(purpose, m.challenge, m.address)), m.hex);
    }
  });

  it('should give the exact call-token message bytes', () => {
    for (const t of vectors.callTokens) {
      const fields: CallTokenFields = { ...t.fields, media: t.fields.media === 'audio' ? 'audio' : 'video' };
      assert.equal(callTokenText(fields), t.text);
      assert.equal(toHex(callTokenMessage(fields)), t.hex);
    }
  });

  it('should encode and decode the canonical base64url vectors and refuse the others', () => {
    for (const v of vectors.base64url.valid) {
      assert.equal(toBase64url(fromHex(v.hex)), v.text);
      assert.equal(toHex(fromBase64url(v.text)!), v.hex);
    }
    for (const v of vectors.base64url.invalid) assert.equal(fromBase64url(v.text), null, v.why);
    assert.equal(fromBase64url(42), null);
  });

  it('should decode signatures and keys of the vectors to 64 and 32 bytes', () => {
    for (const m of vectors.authMessages) {
      assert.equal(fromBase64url(m.signature)?.length, 64);
      assert.equal(fromBase64url(m.signer)?.length, 32);
    }
  });
});

describe('addresses', () => {
  const key = (seed: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 31 + seed) & 255);

  it('should derive a stable, well-formed address from a public key', () => {
    const a = addressOf(key(1));
    assert.equal(a, addressOf(key(1)));
    assert.equal(a.length, ADDRESS_LENGTH);
    assert.match(a, /^cv1[a-z2-7]{39}$/);
    assert.equal(addressProblem(a), null);
    assert.notEqual(addressOf(key(2)), a);
  });

  it('should reject every single-character typo of an address', () => {
    const a = addressOf(key(3));
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
    assert.match(addressProblem(vectors.invalidAddresses[0]!.address)!, /checksum/);
  });
});

describe('encodings', () => {
  it('should round-trip base32', () => {
    const bytes = Uint8Array.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    assert.deepEqual(base32Decode(base32Encode(bytes))!.subarray(0, bytes.length), bytes);
  });

  it('should round-trip base64url for every length up to 66 bytes', () => {
    for (let n = 1; n <= 66; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n) & 255);
      const text = toBase64url(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64url'), `length ${n}`);
      assert.deepEqual(fromBase64url(text), bytes);
    }
  });

  it('should refuse the same bytes spelled with stray low bits', () => {
    const x = vectors.addresses[0]!.publicKey;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = x.slice(0, -1) + alphabet[alphabet.indexOf(x.at(-1)!) ^ 1];
    assert.ok(fromBase64url(x));
    assert.equal(fromBase64url(sibling), null);
    assert.equal(fromBase64url(`${x}=`), null);
  });
});

describe('ids', () => {
  it('should take UUIDs in either case, and lower case only where the id is signed', () => {
    const id = vectors.callTokens[0]!.fields.callId;
    assert.equal(isUuid(id), true);
    assert.equal(isUuid(id.toUpperCase()), true);
    assert.equal(isLowerCaseUuid(id), true);
    assert.equal(isLowerCaseUuid(id.toUpperCase()), false);
    for (const bad of [`${id}0`, id.slice(1), id.replaceAll('-', ''), `{${id}}`, id.replace('a', 'g'), 42]) {
      assert.equal(isUuid(bad), false, String(bad));
    }
  });
});
