import type { ChatsSnapshot, SnapshotLimits } from './chats.ts';
import type { Contact } from './contacts.ts';
import type { KeyValueStore } from './kv.ts';

/** What this device shows of an identity when the server cannot be reached. */
export interface CachedView {
  version: 1;
  savedAt: number;
  contacts: Contact[];
  blocked: string[];
  chats: ChatsSnapshot;
}

/**
 * The bounds of the saved view: the 50 newest conversations, the newest 50 messages of each
 * (one history page), and at most 500,000 characters of message text (about 1 MB) in all.
 */
export const CACHE_LIMITS: SnapshotLimits = {
  conversations: 50,
  messagesPerConversation: 50,
  bodyChars: 500_000,
};

const VERSION = 1;

/**
 * A small read-only copy of an identity's conversations, their latest messages and contacts'
 * names, kept in IndexedDB (one entry per identity) so the app opens with them when offline.
 * The server stays the source of truth: on reconnect everything is fetched again and the feed
 * resumes from its own persisted position; messages are merged by id, so nothing is doubled.
 *
 * Saves are coalesced: many changes in a burst (a catch-up after a reconnect) write once.
 */
export class OfflineCache {
  readonly key: string;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #take: (() => CachedView) | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly kv: KeyValueStore,
    address: string,
    private readonly delayMs = 200,
  ) {
    this.key = `view:${address}`;
  }

  async load(): Promise<CachedView | undefined> {
    const view = await this.kv.get<CachedView>(this.key).catch(() => undefined);
    return view?.version === VERSION ? view : undefined;
  }

  /** Saves what `take` returns shortly (the latest call wins). */
  schedule(take: () => Omit<CachedView, 'version' | 'savedAt'>): void {
    this.#take = () => ({ version: VERSION, savedAt: Date.now(), ...take() });
    this.#timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Writes a scheduled save now. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const take = this.#take;
    this.#take = null;
    if (take) {
      const view = take();
      // One write after another: an older view never lands after a newer one.
      this.#writing = this.#writing.then(() => this.kv.set(this.key, view)).catch(() => {});
    }
    return this.#writing;
  }

  /** Sign-out: drops the pending save and the saved view. */
  async clear(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#take = null;
    await this.#writing;
    await this.kv.delete(this.key);
  }
}
