import { IndexedDbStore } from '../../client/idb.ts';
import { type KeyValueStore, MemoryStore } from '../../client/kv.ts';

/** What this frame can keep: `persistent` (IndexedDB) or `page` (gone with the host page). */
export type StorageMode = 'persistent' | 'page';

/** The entries the frames of one page share when they cannot persist (the identity, its session). */
const SHARED = new Set(['identity-key', 'session']);
const CHANNEL = 'callvault-embed-store';

/**
 * In a third-party frame, browsers either partition storage (Firefox, Safari, Chromium by
 * default: it works, keyed by the host's site) or refuse it (Chromium with third-party cookies
 * blocked, e.g. incognito, and headless automation). Refused, the frame keeps the identity in
 * memory for the life of the host page, shared with the page's other CallVault frames over a
 * BroadcastChannel (same origin and partition only: the host page cannot listen).
 */
export async function openEmbedStore(
  onShared: () => void,
): Promise<{ kv: KeyValueStore; mode: StorageMode }> {
  const idb = new IndexedDbStore();
  try {
    await idb.get('probe');
    return { kv: idb, mode: 'persistent' };
  } catch {
    return { kv: new PageStore(onShared), mode: 'page' };
  }
}

type Note = { op: 'set'; key: string; value: unknown } | { op: 'delete'; key: string } | { op: 'hello' };

class PageStore extends MemoryStore {
  readonly #channel = new BroadcastChannel(CHANNEL);

  constructor(private readonly onShared: () => void) {
    super();
    this.#channel.addEventListener('message', (event: MessageEvent<Note>) => this.#receive(event.data));
    this.#channel.postMessage({ op: 'hello' } satisfies Note);
  }

  #receive(note: Note): void {
    if (note.op === 'hello') {
      for (const [key, value] of this.data)
        if (SHARED.has(key)) this.#channel.postMessage({ op: 'set', key, value });
      return;
    }
    if (!SHARED.has(note.key)) return;
    if (note.op === 'set') this.data.set(note.key, note.value);
    else this.data.delete(note.key);
    this.onShared();
  }

  override async set(key: string, value: unknown): Promise<void> {
    this.data.set(key, value);
    if (SHARED.has(key)) this.#channel.postMessage({ op: 'set', key, value } satisfies Note);
  }

  override async delete(key: string): Promise<void> {
    await super.delete(key);
    if (SHARED.has(key)) this.#channel.postMessage({ op: 'delete', key } satisfies Note);
  }
}
