import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromBase64url, toBase64url } from '../../../protocol/index.ts';
import {
  BACKUP_ITERATIONS,
  type BackupFile,
  type BackupProblem,
  backupFileName,
  exportBackup,
  MAX_BACKUP_BYTES,
  restoreBackup,
} from './backup.ts';
import { createIdentityKey, type IdentityKey, KeyStore, sign, verifyFrom } from './keys.ts';
import { MemoryStore } from './kv.ts';

const PASSPHRASE = 'correct horse battery staple';
const refused = (code: BackupProblem) => (e: unknown) =>
  e instanceof Error && (e as { code?: string }).code === code;

async function identity(): Promise<{ key: IdentityKey; deviceKey: CryptoKey; store: KeyStore }> {
  const store = new KeyStore(new MemoryStore());
  const deviceKey = await store.deviceKey();
  const key = await createIdentityKey(deviceKey);
  await store.save(key);
  return { key, deviceKey, store };
}

/** A backup file changed by `edit` (the JSON, then re-serialised). */
const edited = (text: string, edit: (f: BackupFile) => void) => {
  const file = JSON.parse(text) as BackupFile;
  edit(file);
  return JSON.stringify(file);
};

/** One base64url string with one bit of its bytes flipped. */
const flip = (b64: string, at = 0) => {
  const bytes = fromBase64url(b64)!;
  bytes[at]! ^= 1;
  return toBase64url(bytes);
};

describe('key backups', () => {
  it('should seal the private key for this device and keep only a non-extractable copy to sign with', async () => {
    const { key } = await identity();
    assert.equal(key.privateKey.extractable, false);
    assert.ok(key.sealed && key.sealed.iv.length === 12);
    // Nothing of the PKCS#8 in the clear: the Ed25519 PKCS#8 prefix is not in the sealed bytes.
    const prefix = '302e020100300506032b657004220420';
    assert.equal(Buffer.from(key.sealed.ciphertext).toString('hex').includes(prefix), false);
  });

  it('should round-trip: the restored key signs for the same address, and the file holds no key in the clear', async () => {
    const { key, deviceKey } = await identity();
    const text = await exportBackup(key, deviceKey, PASSPHRASE);
    const file = JSON.parse(text) as BackupFile;
    assert.equal(file.format, 'callvault-key-backup');
    assert.equal(file.version, 1);
    assert.equal(file.address, key.address);
    assert.equal(file.kdf.iterations, BACKUP_ITERATIONS);
    assert.ok(BACKUP_ITERATIONS >= 600_000);
    assert.equal(fromBase64url(file.kdf.salt)?.length, 16);
    assert.equal(fromBase64url(file.cipher.iv)?.length, 12);
    assert.ok(text.length < 1000, `a backup is small (${text.length} bytes)`);
    // Two exports of one key share neither salt nor IV.
    const again = JSON.parse(await exportBackup(key, deviceKey, PASSPHRASE)) as BackupFile;
    assert.notEqual(again.kdf.salt, file.kdf.salt);
    assert.notEqual(again.cipher.iv, file.cipher.iv);

    const restored = await restoreBackup(text, PASSPHRASE);
    assert.equal(restored.address, key.address);
    assert.equal(restored.privateKey.extractable, false);
    const bytes = new TextEncoder().encode('hello');
    const signature = await sign({ ...restored }, bytes);
    assert.equal(await verifyFrom(key.address, key.publicKey, bytes, signature), true);

    // Adopted on another device: sealed under that device's key, and backed up from there too.
    const other = new KeyStore(new MemoryStore());
    const adopted = await other.adopt(restored);
    const loaded = await other.load();
    assert.equal(loaded?.address, key.address);
    assert.ok(adopted.sealed);
    const second = await exportBackup(loaded!, await other.deviceKey(), 'another long passphrase');
    assert.equal((await restoreBackup(second, 'another long passphrase')).address, key.address);
    // The first device's key cannot unseal what the second sealed.
    await assert.rejects(exportBackup(loaded!, deviceKey, PASSPHRASE));
  });

  it('should refuse a short passphrase, and an identity made before backups existed', async () => {
    const { key, deviceKey } = await identity();
    await assert.rejects(exportBackup(key, deviceKey, 'short'), refused('WEAK_PASSPHRASE'));
    // Eleven characters, even if many UTF-16 units: counted as characters.
    await assert.rejects(exportBackup(key, deviceKey, '😀'.repeat(11)), refused('WEAK_PASSPHRASE'));
    const legacy = await createIdentityKey();
    assert.equal(legacy.sealed, undefined);
    await assert.rejects(exportBackup(legacy, deviceKey, PASSPHRASE), refused('NOT_BACKED_UP'));
  });

  it('should refuse a wrong passphrase and every tampered part, with a clear error', async () => {
    const { key, deviceKey } = await identity();
    const text = await exportBackup(key, deviceKey, PASSPHRASE);
    const other = await identity();
    const otherText = await exportBackup(other.key, other.deviceKey, PASSPHRASE);
    await assert.rejects(
      restoreBackup(text, `${PASSPHRASE}!`),
      (e: Error) => refused('WRONG_PASSPHRASE')(e) && /Wrong passphrase/.test(e.message),
    );
    const tampered: [string, string, BackupProblem][] = [
      [
        'ciphertext',
        edited(text, (f) => {
          f.ciphertext = flip(f.ciphertext, 5);
        }),
        'WRONG_PASSPHRASE',
      ],
      [
        'tag',
        edited(text, (f) => {
          f.ciphertext = flip(f.ciphertext, fromBase64url(f.ciphertext)!.length - 1);
        }),
        'WRONG_PASSPHRASE',
      ],
      [
        'iv',
        edited(text, (f) => {
          f.cipher.iv = flip(f.cipher.iv);
        }),
        'WRONG_PASSPHRASE',
      ],
      [
        'salt',
        edited(text, (f) => {
          f.kdf.salt = flip(f.kdf.salt);
        }),
        'WRONG_PASSPHRASE',
      ],
      // Another identity's address and key on this ciphertext: the AAD no longer matches.
      [
        'address',
        edited(text, (f) => {
          f.address = other.key.address;
          f.publicKey = other.key.publicKey;
        }),
        'WRONG_PASSPHRASE',
      ],
      // This file's header on another backup's ciphertext (same passphrase).
      [
        'swapped body',
        edited(text, (f) => {
          const o = JSON.parse(otherText) as BackupFile;
          f.ciphertext = o.ciphertext;
          f.cipher = o.cipher;
          f.kdf = o.kdf;
        }),
        'WRONG_PASSPHRASE',
      ],
      [
        'address alone',
        edited(text, (f) => {
          f.address = other.key.address;
        }),
        'NOT_A_BACKUP',
      ],
      [
        'version',
        edited(text, (f) => {
          (f as { version: number }).version = 2;
        }),
        'UNSUPPORTED',
      ],
      [
        'kdf',
        edited(text, (f) => {
          (f.kdf as { hash: string }).hash = 'SHA-1';
        }),
        'UNSUPPORTED',
      ],
      [
        'iterations',
        edited(text, (f) => {
          f.kdf.iterations = 1000;
        }),
        'WEAK_KDF',
      ],
      [
        'absurd iterations',
        edited(text, (f) => {
          f.kdf.iterations = 2 ** 40;
        }),
        'WEAK_KDF',
      ],
      ['truncated', text.slice(0, text.length / 2), 'NOT_A_BACKUP'],
      ['empty', '', 'NOT_A_BACKUP'],
      ['garbage', 'PK\u0003\u0004 not json at all', 'NOT_A_BACKUP'],
      ['other JSON', '{"hello":"world"}', 'NOT_A_BACKUP'],
      ['array', '[1,2,3]', 'NOT_A_BACKUP'],
      ['huge', `${text}${' '.repeat(MAX_BACKUP_BYTES)}`, 'TOO_LARGE'],
    ];
    for (const [what, bad, code] of tampered) {
      await assert.rejects(restoreBackup(bad, PASSPHRASE), refused(code), what);
    }
    // The untouched file still restores.
    assert.equal((await restoreBackup(text, PASSPHRASE)).address, key.address);
  });

  it('should refuse a file whose well-encrypted key does not belong to its address', async () => {
    // Someone who knows the passphrase builds a file naming Ada but holding Mallory's key.
    const ada = await identity();
    const mallory = await identity();
    const text = await exportBackup(mallory.key, mallory.deviceKey, PASSPHRASE);
    const file = JSON.parse(text) as BackupFile;
    const salt = fromBase64url(file.kdf.salt)!;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const material = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(PASSPHRASE),
      'PBKDF2',
      false,
      ['deriveKey'],
    );
    const aes = await crypto.subtle.deriveKey(
      { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations: file.kdf.iterations },
      material,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt'],
    );
    const inner = (await restoreBackup(text, PASSPHRASE)).pkcs8;
    const forged = {
      ...file,
      address: ada.key.address,
      publicKey: ada.key.publicKey,
      cipher: { name: 'AES-GCM', iv: toBase64url(iv) },
      ciphertext: toBase64url(
        new Uint8Array(
          await crypto.subtle.encrypt(
            {
              name: 'AES-GCM',
              iv,
              additionalData: new TextEncoder().encode(
                `callvault-key-backup:1:${ada.key.address}:${ada.key.publicKey}`,
              ),
            },
            aes,
            new TextEncoder().encode(
              JSON.stringify({
                address: ada.key.address,
                publicKey: ada.key.publicKey,
                pkcs8: toBase64url(inner),
              }),
            ),
          ),
        ),
      ),
    };
    await assert.rejects(restoreBackup(JSON.stringify(forged), PASSPHRASE), refused('KEY_MISMATCH'));
  });

  it('should name the file after the address', async () => {
    const { key } = await identity();
    assert.equal(backupFileName(key.address), `callvault-${key.address.slice(0, 12)}.callvault-key`);
  });

  it('should accept any passphrase as NFC: composed and decomposed forms open the same backup', async () => {
    const { key, deviceKey } = await identity();
    // The KDF cost is not under test here: a low count keeps a hundred runs quick.
    const fast = { iterations: 1000 };
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 12, maxLength: 40 }), async (passphrase) => {
        const text = await exportBackup(key, deviceKey, passphrase, fast);
        for (const form of ['NFC', 'NFD', 'NFKC'] as const) {
          const typed = passphrase.normalize(form);
          if (form === 'NFKC' && typed.normalize('NFC') !== passphrase.normalize('NFC')) {
            // A compatibility form is a different passphrase.
            await assert.rejects(
              restoreBackup(text, typed, { minIterations: 1000 }),
              refused('WRONG_PASSPHRASE'),
            );
            continue;
          }
          assert.equal((await restoreBackup(text, typed, { minIterations: 1000 })).address, key.address);
        }
      }),
      { numRuns: 60 },
    );
    // The example everyone means: é typed as one code point, or as e + combining acute.
    const text = await exportBackup(key, deviceKey, 'caf\u00e9 au lait, s\u00e9same', fast);
    const nfd = 'cafe\u0301 au lait, se\u0301same';
    assert.equal((await restoreBackup(text, nfd, { minIterations: 1000 })).address, key.address);
  });
});
