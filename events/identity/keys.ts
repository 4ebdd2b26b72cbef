import { createPublicKey, type KeyObject, verify } from 'node:crypto';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Decodes an unpadded base64url string, or null when it is not one. */
export function fromBase64url(text: unknown): Buffer | null {
  if (typeof text !== 'string' || !BASE64URL.test(text)) return null;
  return Buffer.from(text, 'base64url');
}

/** An Ed25519 public key from its raw 32 bytes (base64url), or null when it is not a valid point. */
export function ed25519PublicKey(base64url: unknown): KeyObject | null {
  const raw = fromBase64url(base64url);
  if (raw?.length !== 32) return null;
  try {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    });
  } catch {
    return null;
  }
}

/** True when `signature` (64 bytes, base64url) is a valid Ed25519 signature of `message`. */
export function verifyEd25519(key: KeyObject, message: Uint8Array, signature: unknown): boolean {
  const sig = fromBase64url(signature);
  if (sig?.length !== 64) return false;
  try {
    return verify(null, message, key, sig);
  } catch {
    return false;
  }
}
