/**
 * The embed frame's storage decisions (Storage Access API) against a stand-in platform: which
 * state the frame starts in, what a click does, and that a refusal leaves the storage the frame
 * had. Chromium runs the real API in test/e2e/embed-app.test.ts, as far as headless allows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type KeyValueStore, MemoryStore } from '../../client/kv.ts';
import { EmbedStorage, type StorageAccessPlatform } from './storage.ts';

const UNPARTITIONED = { name: 'unpartitioned' } as unknown as IDBFactory;

function platform(
  over: Partial<StorageAccessPlatform> & { own?: KeyValueStore | null; full?: KeyValueStore },
) {
  const calls: string[] = [];
  const p: StorageAccessPlatform = {
    has: async () => false,
    request: async () => {
      calls.push('request');
      return over.chromium === false ? undefined : { indexedDB: UNPARTITIONED };
    },
    chromium: true,
    permission: async () => 'prompt',
    open: async (factory) =>
      factory === UNPARTITIONED
        ? (over.full ?? new MemoryStore())
        : 'own' in over
          ? (over.own ?? null)
          : new MemoryStore(),
    reload: () => calls.push('reload'),
    ...over,
  };
  return { p, calls };
}

describe('embed frame storage access', () => {
  it('should offer the prompt in Chromium without a grant, and use the unpartitioned store after a granted click', async () => {
    const full = new MemoryStore();
    await full.set('identity-key', { address: 'cv1full' });
    const { p, calls } = platform({ full });
    const storage = await EmbedStorage.open(() => {}, p);
    assert.equal(storage.state, 'prompt');
    assert.equal(storage.kv.mode, 'persistent');
    assert.equal(await storage.kv.get('identity-key'), undefined);
    assert.equal(await storage.request(), true);
    assert.deepEqual(calls, ['request']);
    assert.equal(storage.state, 'granted');
    assert.equal(storage.kv.mode, 'unpartitioned');
    assert.deepEqual(await storage.kv.get('identity-key'), { address: 'cv1full' });
  });

  it('should use an earlier grant at once, without a click', async () => {
    const { p, calls } = platform({ permission: async () => 'granted' });
    const storage = await EmbedStorage.open(() => {}, p);
    assert.equal(storage.state, 'granted');
    assert.equal(storage.kv.mode, 'unpartitioned');
    assert.deepEqual(calls, ['request']);
  });

  it('should keep the partitioned store and say denied when the visitor or the browser refuses', async () => {
    const own = new MemoryStore();
    await own.set('identity-key', { address: 'cv1own' });
    const { p } = platform({
      own,
      request: async () => {
        throw new DOMException('requestStorageAccess not allowed', 'NotAllowedError');
      },
    });
    const storage = await EmbedStorage.open(() => {}, p);
    assert.equal(await storage.request(), false);
    assert.equal(storage.state, 'denied');
    assert.equal(storage.kv.mode, 'persistent');
    assert.deepEqual(await storage.kv.get('identity-key'), { address: 'cv1own' });
  });

  it('should say denied when granted but the browser still keeps the storage from the frame', async () => {
    const { p } = platform({ open: async (factory) => (factory ? null : new MemoryStore()) });
    const storage = await EmbedStorage.open(() => {}, p);
    assert.equal(await storage.request(), false);
    assert.equal(storage.state, 'denied');
    assert.equal(storage.kv.mode, 'persistent');
  });

  it('should start denied when the permission was refused before, and page-only without storage', async () => {
    const { p, calls } = platform({ permission: async () => 'denied', own: null });
    const storage = await EmbedStorage.open(() => {}, p);
    assert.equal(storage.state, 'denied');
    assert.equal(storage.kv.mode, 'page');
    assert.deepEqual(calls, []);
  });

  it('should need nothing without the API, or with first-party access already (Firefox, Safari)', async () => {
    const none = await EmbedStorage.open(() => {}, platform({ request: undefined, has: undefined }).p);
    assert.equal(none.state, 'unavailable');
    assert.equal(await none.request(), false);
    const firefox = platform({ chromium: false, has: async () => true });
    assert.equal((await EmbedStorage.open(() => {}, firefox.p)).state, 'not-needed');
  });

  it('should reload the frame after a grant where there are no storage handles', async () => {
    const { p, calls } = platform({ chromium: false });
    const storage = await EmbedStorage.open(() => {}, p);
    assert.equal(storage.state, 'prompt');
    assert.equal(await storage.request(), false);
    assert.deepEqual(calls, ['request', 'reload']);
    assert.equal(storage.state, 'not-needed');
  });

  it('should offer the prompt in Chromium even when hasStorageAccess() is true (cookies only)', async () => {
    const { p } = platform({ has: async () => true });
    assert.equal((await EmbedStorage.open(() => {}, p)).state, 'prompt');
  });

  it('should follow a grant another frame of the page got, only once the permission says granted', async () => {
    let permission: PermissionState = 'prompt';
    const { p } = platform({ permission: async () => permission });
    const storage = await EmbedStorage.open(() => {}, p);
    assert.equal(await storage.follow(), false);
    assert.equal(storage.kv.mode, 'persistent');
    permission = 'granted';
    assert.equal(await storage.follow(), true);
    assert.equal(storage.kv.mode, 'unpartitioned');
  });
});
