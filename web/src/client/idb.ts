import type { KeyValueStore } from './kv.ts';

const DB = 'callvault';
const STORE = 'kv';

const done = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

/**
 * IndexedDB behind the KeyValueStore interface: one database, one object store. `factory`: the
 * page's `indexedDB` by default; the embed frame passes the unpartitioned one a Storage Access
 * API handle gives it.
 */
export class IndexedDbStore implements KeyValueStore {
  #db: Promise<IDBDatabase> | null = null;

  constructor(private readonly factory?: IDBFactory) {}

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise((resolve, reject) => {
      const request = (this.factory ?? indexedDB).open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return this.#db;
  }

  async #store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
    return (await this.#open()).transaction(STORE, mode).objectStore(STORE);
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await done((await this.#store('readonly')).get(key))) as T | undefined;
  }
  async set(key: string, value: unknown): Promise<void> {
    await done((await this.#store('readwrite')).put(value, key));
  }
  async delete(key: string): Promise<void> {
    await done((await this.#store('readwrite')).delete(key));
  }
}
