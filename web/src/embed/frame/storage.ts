import { IndexedDbStore } from '../../client/idb.ts';
import { type KeyValueStore, MemoryStore } from '../../client/kv.ts';

/**
 * What this frame keeps its identity in: `unpartitioned` (CallVault's own IndexedDB, the one
 * the full app uses, reached through the Storage Access API), `persistent` (IndexedDB as the
 * browser gives it to a third-party frame: partitioned by the host site in current browsers)
 * or `page` (memory: the browser refuses the frame storage; gone with the host page).
 */
export type StorageMode = 'unpartitioned' | 'persistent' | 'page';

/** The entries the frames of one page share when they cannot persist (the identity, its session). */
const SHARED = new Set(['identity-key', 'session']);
const CHANNEL = 'callvault-embed-store';

/** A store whose backing can be replaced: by the unpartitioned one once storage access is granted. */
export class SwitchableStore implements KeyValueStore {
  constructor(
    public target: KeyValueStore,
    public mode: StorageMode,
  ) {}
  get<T>(key: string): Promise<T | undefined> {
    return this.target.get<T>(key);
  }
  set(key: string, value: unknown): Promise<void> {
    return this.target.set(key, value);
  }
  delete(key: string): Promise<void> {
    return this.target.delete(key);
  }
}

/** How long a probe of IndexedDB may take before the frame does without it. */
const PROBE_MS = 3000;

/**
 * IndexedDB through `factory`, or null when the browser refuses it to this frame, or does not
 * answer: a handle's IndexedDB in a Chromium that blocks third-party storage never answers.
 */
export async function usableIdb(factory?: IDBFactory): Promise<KeyValueStore | null> {
  const idb = new IndexedDbStore(factory);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('IndexedDB did not answer')), PROBE_MS);
    });
    await Promise.race([idb.get('probe'), silent]);
    return idb;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The Storage Access API as the frame uses it, injectable for unit tests. `request` is
 * `document.requestStorageAccess` (asked for `indexedDB`: Chromium answers with a
 * StorageAccessHandle holding the unpartitioned IndexedDB, Firefox and Safari ignore the
 * argument and answer nothing); `permission` the `storage-access` permission's state;
 * `chromium`: whether `hasStorageAccess()` speaks of cookies only (Chromium, where storage
 * stays partitioned until a handle is asked for). The handle's interface is not a global in
 * Chromium 156, so that is told by `navigator.userAgentData`, which only Chromium has.
 */
export interface StorageAccessPlatform {
  has?: () => Promise<boolean>;
  request?: (types?: { indexedDB: true }) => Promise<{ indexedDB?: IDBFactory } | undefined>;
  chromium: boolean;
  permission: () => Promise<PermissionState | 'unknown'>;
  open: (factory?: IDBFactory) => Promise<KeyValueStore | null>;
  reload: () => void;
}

/** The browser's own, as far as it has them. */
export function browserPlatform(): StorageAccessPlatform {
  const doc = document as Document & {
    requestStorageAccess?: (types?: { indexedDB: true }) => Promise<{ indexedDB?: IDBFactory } | undefined>;
  };
  return {
    has: typeof doc.hasStorageAccess === 'function' ? () => doc.hasStorageAccess() : undefined,
    request: typeof doc.requestStorageAccess === 'function' ? (t) => doc.requestStorageAccess!(t) : undefined,
    chromium: typeof (navigator as { userAgentData?: unknown }).userAgentData === 'object',
    permission: async () => {
      try {
        return (await navigator.permissions.query({ name: 'storage-access' as PermissionName })).state;
      } catch {
        return 'unknown';
      }
    },
    open: usableIdb,
    reload: () => location.reload(),
  };
}

/**
 * Where the frame stands with the Storage Access API: `unavailable` (no API: the storage the
 * browser gives is all there is), `not-needed` (the frame already has first-party storage),
 * `prompt` (a click on "Use your CallVault identity" may get it), `denied` (refused, or granted
 * but the browser still keeps the storage from the frame), `granted` (in use).
 */
export type AccessState = 'unavailable' | 'not-needed' | 'prompt' | 'denied' | 'granted';

/**
 * The frame's storage: unpartitioned at once when an earlier grant still holds (no click
 * needed), else what the browser gives a third-party frame; and the way to ask for access.
 */
export class EmbedStorage {
  state: AccessState = 'unavailable';
  readonly kv: SwitchableStore;

  private constructor(
    private readonly platform: StorageAccessPlatform,
    kv: SwitchableStore,
  ) {
    this.kv = kv;
  }

  static async open(
    onShared: () => void,
    platform: StorageAccessPlatform = browserPlatform(),
  ): Promise<EmbedStorage> {
    const own = await platform.open();
    const storage = new EmbedStorage(
      platform,
      new SwitchableStore(own ?? new PageStore(onShared), own ? 'persistent' : 'page'),
    );
    await storage.#decide();
    return storage;
  }

  async #decide(): Promise<void> {
    const { platform } = this;
    if (!platform.request) {
      this.state = 'unavailable';
      return;
    }
    const permission = await platform.permission();
    // An earlier grant lets the frame ask again without a click.
    if (permission === 'granted') {
      await this.#useHandle(() => platform.request!({ indexedDB: true }));
      return;
    }
    if (permission === 'denied') {
      this.state = 'denied';
      return;
    }
    // Firefox, Safari: access already (a grant in this session) means the frame's own storage
    // is all there is to have: first-party (Firefox) or partitioned (Safari: cookies only).
    // Chromium: that speaks of cookies; its storage stays partitioned until a handle is asked for.
    const has = !platform.chromium && platform.has ? await platform.has().catch(() => false) : false;
    this.state = has ? 'not-needed' : 'prompt';
  }

  /** True when the unpartitioned storage is in use; 'reload' when only a new document gets it. */
  async #useHandle(
    request: () => Promise<{ indexedDB?: IDBFactory } | undefined>,
  ): Promise<boolean | 'reload'> {
    let handle: { indexedDB?: IDBFactory } | undefined;
    try {
      handle = await request();
    } catch {
      this.state = 'denied';
      return false;
    }
    if (!handle) {
      // Granted where there are no handles (Firefox, Safari): the frame's own storage is what
      // the grant changes, for documents loaded after it.
      this.state = 'not-needed';
      return 'reload';
    }
    const store = handle.indexedDB ? await this.platform.open(handle.indexedDB) : null;
    if (!store) {
      // Granted, yet the browser keeps the storage from this frame (third-party storage
      // blocked outright): the partitioned (or page) identity it is.
      this.state = 'denied';
      return false;
    }
    this.kv.target = store;
    this.kv.mode = 'unpartitioned';
    this.state = 'granted';
    return true;
  }

  /**
   * Asks for storage access: call it straight from a click (it needs the user's gesture).
   * True when the unpartitioned storage is now in use; false when refused (state `denied`),
   * or when the frame reloads to get it (browsers without storage handles).
   */
  async request(): Promise<boolean> {
    const { platform } = this;
    if (!platform.request) return false;
    const used = await this.#useHandle(() => platform.request!({ indexedDB: true }));
    if (used === 'reload') platform.reload();
    return used === true;
  }

  /** Another frame of the page got a grant: use it here too, without a click. */
  async follow(): Promise<boolean> {
    if (this.state !== 'prompt' || !this.platform.request) return false;
    if ((await this.platform.permission()) !== 'granted') return false;
    return (await this.#useHandle(() => this.platform.request!({ indexedDB: true }))) === true;
  }
}

/**
 * Storage refused (Chromium with third-party cookies blocked, e.g. incognito, and headless
 * automation): the identity lives in memory for the life of the host page, shared with the
 * page's other CallVault frames over a BroadcastChannel (same origin and partition only: the
 * host page cannot listen).
 */
type Note = { op: 'set'; key: string; value: unknown } | { op: 'delete'; key: string } | { op: 'hello' };

class PageStore extends MemoryStore {
  readonly #channel = new BroadcastChannel(CHANNEL);

  constructor(private readonly onShared: () => void) {
    super();
    // Node (unit tests) would wait for an open channel; browsers have no unref.
    (this.#channel as { unref?: () => void }).unref?.();
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
