import { addressOf, fromBase64url, toBase64url } from '../../../protocol/index.ts';
import type { KeyValueStore } from './kv.ts';

/** The identity this browser holds: the private key never leaves WebCrypto. */
export interface IdentityKey {
  address: string;
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: string;
  /** Non-extractable: it can sign, nothing can read it out. */
  privateKey: CryptoKey;
}

const KEY = 'identity-key';

/** A new Ed25519 keypair whose private half is non-extractable. */
export async function createIdentityKey(subtle: SubtleCrypto = crypto.subtle): Promise<IdentityKey> {
  const pair = (await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  return { address: addressOf(raw), publicKey: toBase64url(raw), privateKey: pair.privateKey };
}

/** An Ed25519 signature over `bytes`, base64url (86 characters). */
export async function sign(
  key: IdentityKey,
  bytes: Uint8Array,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<string> {
  const signature = await subtle.sign({ name: 'Ed25519' }, key.privateKey, bytes as BufferSource);
  return toBase64url(new Uint8Array(signature));
}

/**
 * Whether `signature` over `bytes` verifies with the raw public key that belongs to `address`.
 * The key is checked against the address first, so a server cannot hand out another key.
 */
export async function verifyFrom(
  address: string,
  publicKey: string,
  bytes: Uint8Array,
  signature: string,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<boolean> {
  const raw = fromBase64url(publicKey);
  const sig = fromBase64url(signature);
  if (raw?.length !== 32 || sig?.length !== 64) return false;
  if (addressOf(raw) !== address) return false;
  const key = await subtle.importKey('raw', raw as BufferSource, { name: 'Ed25519' }, false, ['verify']);
  return subtle.verify({ name: 'Ed25519' }, key, sig as BufferSource, bytes as BufferSource);
}

/** Where the identity key is kept (IndexedDB in the browser: CryptoKeys are stored as such). */
export class KeyStore {
  constructor(private readonly kv: KeyValueStore) {}
  load(): Promise<IdentityKey | undefined> {
    return this.kv.get<IdentityKey>(KEY);
  }
  save(key: IdentityKey): Promise<void> {
    return this.kv.set(KEY, key);
  }
  clear(): Promise<void> {
    return this.kv.delete(KEY);
  }
}
