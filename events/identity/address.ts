import { createHash } from 'node:crypto';

/**
 * Addresses: `cv1` + base32 (RFC 4648 alphabet, lower case, no padding) of
 *   payload  = SHA-256(raw 32-byte Ed25519 public key)[0..20)
 *   checksum = SHA-256(payload)[0..4)
 * i.e. 24 bytes → 39 characters, 42 with the prefix. Anyone holding the public key can
 * recompute it; a mistyped character fails the checksum. docs/protocol.md has the details.
 */
export const ADDRESS_PREFIX = 'cv1';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const PAYLOAD_BYTES = 20;
const CHECKSUM_BYTES = 4;
export const ADDRESS_LENGTH = ADDRESS_PREFIX.length + Math.ceil(((PAYLOAD_BYTES + CHECKSUM_BYTES) * 8) / 5);

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Uint8Array | null {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  // Canonical form only: the unused low bits of the last character must be zero.
  if (bits > 0 && (value & ((1 << bits) - 1)) !== 0) return null;
  return Uint8Array.from(out);
}

export function addressOf(publicKey: Uint8Array): string {
  const payload = sha256(publicKey).subarray(0, PAYLOAD_BYTES);
  const checksum = sha256(payload).subarray(0, CHECKSUM_BYTES);
  return ADDRESS_PREFIX + base32Encode(Buffer.concat([payload, checksum]));
}

/** Why an address is not well-formed, or null when it is (its checksum included). */
export function addressProblem(address: unknown): string | null {
  if (typeof address !== 'string') return 'an address is a string';
  if (!address.startsWith(ADDRESS_PREFIX)) return `an address starts with ${ADDRESS_PREFIX}`;
  if (address.length !== ADDRESS_LENGTH) return `an address is ${ADDRESS_LENGTH} characters long`;
  const bytes = base32Decode(address.slice(ADDRESS_PREFIX.length));
  if (!bytes || bytes.length !== PAYLOAD_BYTES + CHECKSUM_BYTES) return 'an address uses only a-z and 2-7';
  const payload = bytes.subarray(0, PAYLOAD_BYTES);
  const expected = sha256(payload).subarray(0, CHECKSUM_BYTES);
  if (!Buffer.from(bytes.subarray(PAYLOAD_BYTES)).equals(expected)) {
    return 'the address checksum does not match: is it mistyped?';
  }
  return null;
}
