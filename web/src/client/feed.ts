import type { FeedSubscription } from '../gql/graphql.ts';
import type { Subscribe } from './api.ts';
import type { KeyValueStore } from './kv.ts';

export type FeedItem = FeedSubscription['feed'];

const POSITION = 'feed-position';

export interface FeedOptions {
  query: string;
  subscribe: Subscribe;
  kv: KeyValueStore;
  /** Called for each new item, in order, once. */
  onItem(item: FeedItem): Promise<void> | void;
  /**
   * The server's log is not the one our position came from (CURSOR_AHEAD): refetch the
   * state; the feed then starts again from the beginning of this log.
   */
  onResync(): Promise<void>;
  onError(error: unknown): void;
}

/**
 * Follows the identity's feed from the last position persisted, so nothing is lost across a
 * dropped socket, a reload or a server restart (docs/protocol.md, The feed).
 *
 * The socket client re-sends a subscription by itself after a reconnect, with the payload it
 * was given; the variables are therefore read at each send (a getter), so a resubscription asks
 * for what came after the last item processed, not after where the feed first started. Items
 * at or below that position are dropped all the same: nothing is applied twice.
 */
export class FeedFollower {
  #position = 0;
  #stop: (() => void) | null = null;
  #chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: FeedOptions) {}

  get position(): number {
    return this.#position;
  }

  async start(): Promise<void> {
    this.#position = (await this.options.kv.get<number>(POSITION)) ?? 0;
    this.#subscribe();
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
  }

  #subscribe(): void {
    const { options } = this;
    this.#stop = options.subscribe<{ feed: FeedItem }>(options.query, () => ({ after: this.#position }), {
      next: (result) => {
        // Items are applied one after another, each after the previous one's work.
        this.#chain = this.#chain.then(() => this.#receive(result)).catch(options.onError);
      },
      error: options.onError,
      complete: () => {},
    });
  }

  async #receive(
    result: Parameters<Parameters<Subscribe>[2]['next']>[0] & { data?: { feed: FeedItem } | null },
  ) {
    const code = result.errors?.[0]?.extensions?.code;
    if (code === 'CURSOR_AHEAD') {
      this.stop();
      this.#position = 0;
      await this.options.kv.set(POSITION, 0);
      await this.options.onResync();
      this.#subscribe();
      return;
    }
    if (result.errors?.length) throw new Error(result.errors[0]!.message);
    const item = result.data?.feed;
    if (!item || item.position <= this.#position) return;
    await this.options.onItem(item);
    this.#position = item.position;
    await this.options.kv.set(POSITION, item.position);
  }

  /** Forget the position (sign-out: the next identity starts afresh). */
  async reset(): Promise<void> {
    this.#position = 0;
    await this.options.kv.delete(POSITION);
  }
}
