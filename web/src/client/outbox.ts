import { isTransient } from './api.ts';
import type { KeyValueStore } from './kv.ts';

/** A message written here, not yet known to be in the server's log. */
export interface OutgoingMessage {
  /** Client-made UUID: sending it again is the same message (docs/protocol.md, Messages). */
  id: string;
  to: string;
  body: string;
  createdAt: number;
  /** Set when the server refused it for good (not a network problem). */
  failed?: string;
}

const OUTBOX = 'outbox';

/**
 * Messages written while offline (or not yet answered), kept in IndexedDB until the server
 * has them. Each keeps its id, so a retry after a lost answer is not a second message.
 */
export class Outbox {
  #items: OutgoingMessage[] = [];
  #flushing: Promise<void> | null = null;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly onChange: () => void = () => {},
  ) {}

  get items(): readonly OutgoingMessage[] {
    return this.#items;
  }

  async load(): Promise<void> {
    this.#items = (await this.kv.get<OutgoingMessage[]>(OUTBOX)) ?? [];
  }

  async add(message: OutgoingMessage): Promise<void> {
    this.#items = [...this.#items, message];
    await this.kv.set(OUTBOX, this.#items);
    this.onChange();
  }

  #pending(): OutgoingMessage | undefined {
    return this.#items.find((m) => !m.failed);
  }

  async #remove(id: string, failed?: string): Promise<void> {
    this.#items = failed
      ? this.#items.map((m) => (m.id === id ? { ...m, failed } : m))
      : this.#items.filter((m) => m.id !== id);
    await this.kv.set(OUTBOX, this.#items);
    this.onChange();
  }

  /**
   * Sends what is waiting, oldest first. Stops at the first transient failure (offline again:
   * the rest waits, order kept); a refusal marks that message failed and goes on.
   */
  flush(send: (m: OutgoingMessage) => Promise<void>): Promise<void> {
    if (this.#flushing) return this.#flushing;
    // Cleared in a .finally attached after the assignment: an async body that finishes
    // without awaiting would otherwise clear it before it is set, and block every later flush.
    this.#flushing = (async () => {
      // Re-read the queue each time: messages added while sending go out in this run too.
      for (let next = this.#pending(); next; next = this.#pending()) {
        try {
          await send(next);
          await this.#remove(next.id);
        } catch (error) {
          if (isTransient(error)) return;
          await this.#remove(next.id, error instanceof Error ? error.message : String(error));
        }
      }
    })().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async clear(): Promise<void> {
    this.#items = [];
    await this.kv.delete(OUTBOX);
  }
}
