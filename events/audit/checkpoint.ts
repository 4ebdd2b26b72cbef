import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/** What a checkpoint's signature covers: a fixed prefix, the position and the hash. */
export const checkpointText = (position: number, hash: string) =>
  `callvault-checkpoint-v1\n${position}\n${hash}`;

export interface Checkpoint {
  position: number;
  hash: string;
  publicKey: string;
  signature: string;
}

// DER prefixes of an Ed25519 PKCS#8 private key and SPKI public key around the raw 32 bytes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The signer for a 32-byte Ed25519 seed given in base64url (AUDIT_SIGNING_KEY). */
export function checkpointSigner(seedBase64url: string) {
  const seed = Buffer.from(seedBase64url, 'base64url');
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  const privateKey: KeyObject = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey).export({ format: 'jwk' }).x as string;
  return {
    publicKey,
    sign(position: number, hash: string): Checkpoint {
      const signature = sign(null, Buffer.from(checkpointText(position, hash)), privateKey).toString(
        'base64url',
      );
      return { position, hash, publicKey, signature };
    },
  };
}

/**
 * True when `c.signature` is `publicKey`'s signature of the checkpoint. The key must be the
 * one the verifier trusts (passed in, never taken from the checkpoint alone): OpenSSL accepts
 * small-order keys with trivial signatures, so a key found beside the signature proves nothing.
 */
export function checkpointSignatureValid(c: Checkpoint, trustedPublicKey: string): boolean {
  if (c.publicKey !== trustedPublicKey) return false;
  const raw = Buffer.from(trustedPublicKey, 'base64url');
  if (raw.length !== 32) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    return verify(
      null,
      Buffer.from(checkpointText(c.position, c.hash)),
      key,
      Buffer.from(c.signature, 'base64url'),
    );
  } catch {
    return false;
  }
}
