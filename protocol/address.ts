import { sha256 } from '@noble/hashes/sha2.js';
import { base32Decode, base32Encode } from './base32.ts';

/**
 * Addresses: `cv1` + base32 of
 *   payload  = SHA-256(raw 32-byte Ed25519 public key)[0..20)
 *   checksum = SHA-256(payload)[0..4)
 * i.e. 24 bytes → 39 characters, 42 with the prefix. Anyone holding the public key can
 * recompute it; a mistyped character fails the checksum. docs/protocol.md has the details.
 * SHA-256 comes from @noble/hashes because it is synchronous in browsers too (WebCrypto's
 * digest is async, and address checks sit inside synchronous validation).
 */
export const ADDRESS_PREFIX = 'cv1';
const PAYLOAD_BYTES = 20;
const CHECKSUM_BYTES = 4;
/** Length of every address in characters (42). */
export const ADDRESS_LENGTH = ADDRESS_PREFIX.length + Math.ceil(((PAYLOAD_BYTES + CHECKSUM_BYTES) * 8) / 5);

const checksumOf = (payload: Uint8Array) => sha256(payload).subarray(0, CHECKSUM_BYTES);

/** The address of a raw 32-byte Ed25519 public key. */
export function addressOf(publicKey: Uint8Array): string {
  const payload = sha256(publicKey).subarray(0, PAYLOAD_BYTES);
  const bytes = new Uint8Array(PAYLOAD_BYTES + CHECKSUM_BYTES);
  bytes.set(payload, 0);
  bytes.set(checksumOf(payload), PAYLOAD_BYTES);
  return ADDRESS_PREFIX + base32Encode(bytes);
}

/**
 * Addresses already found well-formed. Checking one costs a base32 decode and a SHA-256, and a
 * server checks the same few addresses (its users' peers) on every message; the answer
 * depends on the text alone, so a hit is the same answer. Bounded: emptied when full.
 */
const wellFormed = new Set<string>();
const WELL_FORMED_MAX = 50_000;

/** Why an address is not well-formed, or null when it is (its checksum included). */
export function addressProblem(address: unknown): string | null {
  if (typeof address === 'string' && wellFormed.has(address)) return null;
  const problem = checkAddress(address);
  if (problem === null) {
    if (wellFormed.size >= WELL_FORMED_MAX) wellFormed.clear();
    wellFormed.add(address as string);
  }
  return problem;
}

function checkAddress(address: unknown): string | null {
  if (typeof address !== 'string') return 'an address is a string';
  if (!address.startsWith(ADDRESS_PREFIX)) return `an address starts with ${ADDRESS_PREFIX}`;
  if (address.length !== ADDRESS_LENGTH) return `an address is ${ADDRESS_LENGTH} characters long`;
  const bytes = base32Decode(address.slice(ADDRESS_PREFIX.length));
  if (!bytes || bytes.length !== PAYLOAD_BYTES + CHECKSUM_BYTES) return 'an address uses only a-z and 2-7';
  const expected = checksumOf(bytes.subarray(0, PAYLOAD_BYTES));
  const actual = bytes.subarray(PAYLOAD_BYTES);
  if (expected.some((b, i) => b !== actual[i])) {
    return 'the address checksum does not match: is it mistyped?';
  }
  return null;
}
