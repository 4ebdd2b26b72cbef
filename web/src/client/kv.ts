/**
 * The little persistent storage the client needs (key, session, feed position, outbox). In the
 * browser it is IndexedDB (idb.ts), which can hold a non-extractable CryptoKey as is; tests use
 * the in-memory one.
 */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A store that forgets everything when the page goes: for tests. */
export class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  async get<T>(key: string): Promise<T | undefined> {
    return this.data.get(key) as T | undefined;
  }
  async set(key: string, value: unknown): Promise<void> {
    this.data.set(key, structuredClone(value));
  }
  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }
}
