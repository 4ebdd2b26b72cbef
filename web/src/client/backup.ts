import { addressOf, addressProblem, fromBase64url, toBase64url } from '../../../protocol/index.ts';
import { type IdentityKey, importPrivateKey, type SealedKey, unsealKey } from './keys.ts';

/**
 * Passphrase-encrypted key backups (docs/backup.md): PBKDF2-SHA-256 → AES-GCM-256 over the
 * identity's PKCS#8, public key and address, in a small versioned JSON file. The private key
 * leaves the device only inside such a file.
 */

export const BACKUP_FORMAT = 'callvault-key-backup';
export const BACKUP_VERSION = 1;
/** What an export uses (OWASP's 2023 figure for PBKDF2-HMAC-SHA256). */
export const BACKUP_ITERATIONS = 600_000;
/** An import refuses fewer (a made-up file must not make us use a weak KDF)… */
export const MIN_ITERATIONS = 600_000;
/** …and more (nor keep the page busy for minutes). */
export const MAX_ITERATIONS = 10_000_000;
/** A real backup is about 600 bytes: anything bigger than this is not one. */
export const MAX_BACKUP_BYTES = 16 * 1024;
/** Characters (Unicode code points after NFC normalisation). */
export const MIN_PASSPHRASE = 12;
export const MAX_PASSPHRASE = 1024;

export type BackupProblem =
  | 'WEAK_PASSPHRASE'
  | 'NOT_BACKED_UP'
  | 'TOO_LARGE'
  | 'NOT_A_BACKUP'
  | 'UNSUPPORTED'
  | 'WEAK_KDF'
  | 'WRONG_PASSPHRASE'
  | 'KEY_MISMATCH';

/** A refusal with a message for people and a code for code; nothing was changed. */
export class BackupError extends Error {
  constructor(
    readonly code: BackupProblem,
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

/** The file, as JSON. */
export interface BackupFile {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  address: string;
  publicKey: string;
  kdf: { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: string };
  cipher: { name: 'AES-GCM'; iv: string };
  ciphertext: string;
}

/** What the ciphertext holds. */
interface Inner {
  address: string;
  publicKey: string;
  pkcs8: string;
}

/** Passphrases are compared as NFC: the same words typed on a Mac (NFD) and elsewhere match. */
export function normalizePassphrase(passphrase: string): string {
  return passphrase.normalize('NFC');
}

/** Why a passphrase cannot protect a backup, or null. */
export function passphraseProblem(passphrase: string): string | null {
  const length = [...normalizePassphrase(passphrase)].length;
  if (length < MIN_PASSPHRASE) return `Use at least ${MIN_PASSPHRASE} characters.`;
  if (length > MAX_PASSPHRASE) return `Use at most ${MAX_PASSPHRASE} characters.`;
  return null;
}

/** The additional data: the file's format, version, address and public key cannot be swapped. */
const aad = (address: string, publicKey: string) =>
  new TextEncoder().encode(`${BACKUP_FORMAT}:${BACKUP_VERSION}:${address}:${publicKey}`);

async function deriveKey(
  passphrase: string,
  salt: Uint8Array,
  iterations: number,
  subtle: SubtleCrypto,
): Promise<CryptoKey> {
  const material = await subtle.importKey(
    'raw',
    new TextEncoder().encode(normalizePassphrase(passphrase)),
    'PBKDF2',
    false,
    ['deriveKey'],
  );
  return subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/**
 * The backup file's text for `key`, encrypted under `passphrase`. Needs the sealed PKCS#8
 * (identities made before backups existed have none) and this device's key to unseal it.
 */
export async function exportBackup(
  key: IdentityKey,
  deviceKey: CryptoKey,
  passphrase: string,
  options: { iterations?: number; subtle?: SubtleCrypto } = {},
): Promise<string> {
  const subtle = options.subtle ?? crypto.subtle;
  const iterations = options.iterations ?? BACKUP_ITERATIONS;
  const problem = passphraseProblem(passphrase);
  if (problem) throw new BackupError('WEAK_PASSPHRASE', problem);
  if (!key.sealed) {
    throw new BackupError(
      'NOT_BACKED_UP',
      'This identity was created before backups existed: its key cannot be read out, so it cannot be backed up.',
    );
  }
  const pkcs8 = await unsealKey(deviceKey, key.address, key.sealed as SealedKey, subtle);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const inner: Inner = { address: key.address, publicKey: key.publicKey, pkcs8: toBase64url(pkcs8) };
  const plaintext = new TextEncoder().encode(JSON.stringify(inner));
  pkcs8.fill(0);
  const aesKey = await deriveKey(passphrase, salt, iterations, subtle);
  const ciphertext = new Uint8Array(
    await subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: aad(key.address, key.publicKey) },
      aesKey,
      plaintext,
    ),
  );
  plaintext.fill(0);
  const file: BackupFile = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    address: key.address,
    publicKey: key.publicKey,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64url(salt) },
    cipher: { name: 'AES-GCM', iv: toBase64url(iv) },
    ciphertext: toBase64url(ciphertext),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The file name offered for a backup of `address`. */
export const backupFileName = (address: string) => `callvault-${address.slice(0, 12)}.callvault-key`;

/** A private key restored from a backup, checked; its PKCS#8 is still to be sealed for this device. */
export interface RestoredKey {
  address: string;
  publicKey: string;
  /** Non-extractable, verified to sign for `publicKey`. */
  privateKey: CryptoKey;
  pkcs8: Uint8Array;
}

const notABackup = (why: string) =>
  new BackupError('NOT_A_BACKUP', `This is not a CallVault key backup (${why}).`);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The header of a backup, checked field by field before any key is derived. */
export function parseBackup(
  text: string,
  /** Only tests lower it, to keep property runs quick. */
  minIterations = MIN_ITERATIONS,
): BackupFile {
  if (text.length > MAX_BACKUP_BYTES) {
    throw new BackupError('TOO_LARGE', 'This file is far too large to be a CallVault key backup.');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw notABackup('not JSON');
  }
  if (!isRecord(json) || json.format !== BACKUP_FORMAT) throw notABackup('no backup format marker');
  if (json.version !== BACKUP_VERSION) {
    throw new BackupError(
      'UNSUPPORTED',
      `This backup has version ${String(json.version)}; this app reads version ${BACKUP_VERSION}.`,
    );
  }
  const { address, publicKey, kdf, cipher, ciphertext } = json;
  if (typeof address !== 'string' || addressProblem(address)) throw notABackup('bad address');
  const raw = fromBase64url(publicKey);
  if (raw?.length !== 32 || addressOf(raw) !== address)
    throw notABackup('the public key is not the address’s');
  if (!isRecord(kdf) || kdf.name !== 'PBKDF2' || kdf.hash !== 'SHA-256') {
    throw new BackupError('UNSUPPORTED', 'This backup uses a key derivation this app does not know.');
  }
  if (!Number.isSafeInteger(kdf.iterations)) throw notABackup('bad iteration count');
  const iterations = kdf.iterations as number;
  if (iterations < minIterations || iterations > MAX_ITERATIONS) {
    throw new BackupError(
      'WEAK_KDF',
      `This backup's key derivation uses ${iterations} iterations; only ${minIterations} to ${MAX_ITERATIONS} are accepted.`,
    );
  }
  if ((fromBase64url(kdf.salt)?.length ?? 0) < 16) throw notABackup('bad salt');
  if (!isRecord(cipher) || cipher.name !== 'AES-GCM' || fromBase64url(cipher.iv)?.length !== 12) {
    throw notABackup('bad cipher');
  }
  const body = fromBase64url(ciphertext);
  if (!body || body.length < 17) throw notABackup('bad ciphertext');
  return json as unknown as BackupFile;
}

/**
 * Decrypts and checks a backup: the public key must be the address's, the inner copy must
 * match the outer one, and the private key must sign what the public key verifies. Stores
 * nothing: the caller keeps the result only once the server has accepted a sign-in with it.
 */
export async function restoreBackup(
  text: string,
  passphrase: string,
  options: { minIterations?: number; subtle?: SubtleCrypto } = {},
): Promise<RestoredKey> {
  const subtle = options.subtle ?? crypto.subtle;
  const file = parseBackup(text, options.minIterations);
  const aesKey = await deriveKey(passphrase, fromBase64url(file.kdf.salt)!, file.kdf.iterations, subtle);
  let plaintext: Uint8Array;
  try {
    plaintext = new Uint8Array(
      await subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: fromBase64url(file.cipher.iv) as BufferSource,
          additionalData: aad(file.address, file.publicKey),
        },
        aesKey,
        fromBase64url(file.ciphertext) as BufferSource,
      ),
    );
  } catch {
    throw new BackupError('WRONG_PASSPHRASE', 'Wrong passphrase, or the file was changed.');
  }
  let inner: Inner | null;
  try {
    inner = JSON.parse(new TextDecoder().decode(plaintext)) as Inner;
  } catch {
    inner = null;
  } finally {
    plaintext.fill(0);
  }
  const pkcs8 = fromBase64url(inner?.pkcs8);
  if (inner?.address !== file.address || inner.publicKey !== file.publicKey || !pkcs8) {
    throw new BackupError('KEY_MISMATCH', 'The backup’s contents do not match its address.');
  }
  const privateKey = await importPrivateKey(pkcs8, fromBase64url(file.publicKey)!, subtle);
  if (!privateKey) {
    pkcs8.fill(0);
    throw new BackupError('KEY_MISMATCH', 'The backup’s private key does not belong to its address.');
  }
  return { address: file.address, publicKey: file.publicKey, privateKey, pkcs8 };
}
