import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromBase64url } from '../../protocol/base64url.ts';

// Signature verification stays here, server-side: OpenSSL's verify is fast and Node-only.
// What is signed, and the canonical base64url rule, are protocol/ (shared with browsers).

// Ed25519's group order L and field prime p (RFC 8032 §5.1).
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

const littleEndian = (bytes: Uint8Array): bigint => {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
};

/** The y coordinate of an encoded point is canonical when it is below p (RFC 8032 §5.1.3). */
const canonicalY = (encoded: Uint8Array): boolean => {
  const y = Uint8Array.from(encoded);
  y[31]! &= 0x7f;
  return littleEndian(y) < P;
};

/**
 * Encodings of the eight points of small order (the torsion subgroup: multiples of the
 * order-8 point below), plus the two "x = 0 with the sign bit set" spellings of the identity
 * and of (0, -1). Only canonical y values are listed: a non-canonical y is refused before.
 */
const SMALL_ORDER = (() => {
  const t = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
  const out = new Set<string>();
  let q = ed25519.Point.ZERO;
  for (let i = 0; i < 8; i++) {
    const bytes = q.toBytes();
    out.add(Buffer.from(bytes).toString('hex'));
    bytes[31]! ^= 0x80;
    out.add(Buffer.from(bytes).toString('hex'));
    q = q.add(t);
  }
  return out;
})();

/** Why a raw Ed25519 public key is refused, or null when it is acceptable. */
export function publicKeyProblem(raw: Uint8Array): string | null {
  if (raw.length !== 32) return 'an Ed25519 public key is 32 bytes';
  if (!canonicalY(raw)) return 'the public key is not canonically encoded (y >= p)';
  let point: ReturnType<typeof ed25519.Point.fromBytes>;
  try {
    point = ed25519.Point.fromBytes(raw, false);
  } catch {
    return 'the public key is not a point on Ed25519';
  }
  if (point.isSmallOrder()) return 'the public key is a point of small order';
  // A key with a torsion component passes the usual checks but lets signatures verify
  // differently in cofactored and cofactorless verifiers; a real key never has one.
  if (!point.isTorsionFree()) return 'the public key is not in the prime-order subgroup';
  return null;
}

/** A public key that passed `publicKeyProblem`, ready for OpenSSL. */
export interface StrictPublicKey {
  readonly raw: Uint8Array;
  readonly key: KeyObject;
}

// Checking a key costs ~1 ms (a full scalar multiplication): remember the answer per key text.
const checked = new Map<string, StrictPublicKey | null>();
const CHECKED_MAX = 10_000;

/**
 * An Ed25519 public key from its raw 32 bytes (base64url), or null when it is not canonical
 * base64url, not canonically encoded, off the curve, of small order or not in the prime-order
 * subgroup (docs/decisions.md, "Strict Ed25519").
 */
export function ed25519PublicKey(base64url: unknown): StrictPublicKey | null {
  if (typeof base64url !== 'string') return null;
  const known = checked.get(base64url);
  if (known !== undefined) return known;
  const raw = fromBase64url(base64url);
  let result: StrictPublicKey | null = null;
  if (raw && publicKeyProblem(raw) === null) {
    try {
      result = {
        raw,
        key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url }, format: 'jwk' }),
      };
    } catch {
      result = null;
    }
  }
  if (checked.size >= CHECKED_MAX) checked.clear();
  checked.set(base64url, result);
  return result;
}

/**
 * True when `signature` (64 bytes, base64url) is a valid Ed25519 signature of `message`
 * under RFC 8032's strict rules: S < L, R canonically encoded and not of small order, then
 * OpenSSL's verification (which recomputes R and compares bytes). The key's own checks were
 * made by `ed25519PublicKey`.
 */
export function verifyEd25519(key: StrictPublicKey, message: Uint8Array, signature: unknown): boolean {
  const sig = fromBase64url(signature);
  if (sig?.length !== 64) return false;
  return verifyEd25519Bytes(key, message, sig);
}

export function verifyEd25519Bytes(key: StrictPublicKey, message: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== 64) return false;
  const r = sig.subarray(0, 32);
  if (littleEndian(sig.subarray(32)) >= L) return false;
  if (!canonicalY(r) || SMALL_ORDER.has(Buffer.from(r).toString('hex'))) return false;
  try {
    return verify(null, message, key.key, sig);
  } catch {
    return false;
  }
}
