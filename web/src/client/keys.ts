import { addressOf, fromBase64url, toBase64url } from '../../../protocol/index.ts';
import type { KeyValueStore } from './kv.ts';

/** The identity this browser holds: the private key never leaves WebCrypto. */
export interface IdentityKey {
  address: string;
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: string;
  /** Non-extractable: it can sign, nothing can read it out. */
  privateKey: CryptoKey;
  /**
   * The private key's PKCS#8, AES-GCM-encrypted under this device's key (DeviceKey), so that
   * a passphrase-encrypted backup can be made later (backup.ts). Absent for identities made
   * before backups existed: their key was never extractable, so they cannot be backed up.
   */
  sealed?: SealedKey;
}

/** PKCS#8 bytes encrypted under the device key; the AAD is the address (a record cannot be swapped). */
export interface SealedKey {
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

const KEY = 'identity-key';
const DEVICE_KEY = 'device-key';

const aad = (address: string) => new TextEncoder().encode(`callvault-sealed-key:${address}`);

/**
 * A private key from its PKCS#8, checked against `publicKey`: it must sign bytes that verify
 * with it. Returns the non-extractable copy used for signing from then on.
 */
export async function importPrivateKey(
  pkcs8: Uint8Array,
  publicKey: Uint8Array,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<CryptoKey | null> {
  let privateKey: CryptoKey;
  try {
    privateKey = await subtle.importKey('pkcs8', pkcs8 as BufferSource, { name: 'Ed25519' }, false, ['sign']);
  } catch {
    return null;
  }
  const probe = crypto.getRandomValues(new Uint8Array(32));
  const signature = await subtle.sign({ name: 'Ed25519' }, privateKey, probe);
  const verifier = await subtle.importKey('raw', publicKey as BufferSource, { name: 'Ed25519' }, false, [
    'verify',
  ]);
  return (await subtle.verify({ name: 'Ed25519' }, verifier, signature, probe)) ? privateKey : null;
}

/** Encrypts a PKCS#8 under the device key. */
export async function sealKey(
  deviceKey: CryptoKey,
  address: string,
  pkcs8: Uint8Array,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<SealedKey> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = new Uint8Array(
    await subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: aad(address) },
      deviceKey,
      pkcs8 as BufferSource,
    ),
  );
  return { iv, ciphertext };
}

/** The PKCS#8 of a sealed key (throws when it is not this device's, or was changed). */
export async function unsealKey(
  deviceKey: CryptoKey,
  address: string,
  sealed: SealedKey,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<Uint8Array> {
  return new Uint8Array(
    await subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.iv as BufferSource, additionalData: aad(address) },
      deviceKey,
      sealed.ciphertext as BufferSource,
    ),
  );
}

/**
 * A new Ed25519 keypair. It is generated extractable only so that its PKCS#8 can be read
 * once and sealed under the device key; the key kept for signing is a non-extractable copy,
 * and the extractable one is dropped.
 */
export async function createIdentityKey(
  /** Without one (tests), nothing is sealed and the key cannot be backed up. */
  deviceKey?: CryptoKey,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<IdentityKey> {
  const pair = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
  try {
    const privateKey = await importPrivateKey(pkcs8, raw, subtle);
    if (!privateKey) throw new Error('the new key does not verify');
    const address = addressOf(raw);
    const key: IdentityKey = { address, publicKey: toBase64url(raw), privateKey };
    if (deviceKey) key.sealed = await sealKey(deviceKey, address, pkcs8, subtle);
    return key;
  } finally {
    pkcs8.fill(0);
  }
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
  constructor(
    private readonly kv: KeyValueStore,
    private readonly subtle: SubtleCrypto = crypto.subtle,
  ) {}

  /**
   * This device's AES-GCM-256 key (non-extractable, made on first use, kept in IndexedDB):
   * it seals the identity's PKCS#8 so that it is never stored in the clear.
   */
  deviceKey(): Promise<CryptoKey> {
    this.#deviceKey ??= this.#loadDeviceKey();
    return this.#deviceKey;
  }
  #deviceKey: Promise<CryptoKey> | null = null;

  async #loadDeviceKey(): Promise<CryptoKey> {
    const stored = await this.kv.get<CryptoKey>(DEVICE_KEY);
    if (stored) return stored;
    const key = await this.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    await this.kv.set(DEVICE_KEY, key);
    return key;
  }

  load(): Promise<IdentityKey | undefined> {
    return this.kv.get<IdentityKey>(KEY);
  }
  /** Keeps a key restored from a backup: sealed under this device's key, like a new one. */
  async adopt(restored: { address: string; publicKey: string; privateKey: CryptoKey; pkcs8: Uint8Array }) {
    const sealed = await sealKey(await this.deviceKey(), restored.address, restored.pkcs8, this.subtle);
    const key: IdentityKey = {
      address: restored.address,
      publicKey: restored.publicKey,
      privateKey: restored.privateKey,
      sealed,
    };
    await this.save(key);
    return key;
  }
  save(key: IdentityKey): Promise<void> {
    return this.kv.set(KEY, key);
  }
  clear(): Promise<void> {
    return this.kv.delete(KEY);
  }
}
