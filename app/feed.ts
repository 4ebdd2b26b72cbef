import { classify, feedItemOf } from '../events/catalog.ts';
import type { FeedItem, FeedLookups } from '../events/feed/item.ts';
import { DomainError } from '../events/shared/errors.ts';
import { StoreUnavailableError } from '../events/store/errors.ts';
import type { EventLog, RecordedEvent } from '../events/store/types.ts';
import type { ReadModels } from './read-models.ts';

/** Most live events a feed subscriber may have queued before it falls back to reading the log. */
const QUEUE_LIMIT = 256;
const PAGE = 500;

/**
 * Routes the log to per-identity feeds. The node's read-model loop hands each event, once
 * the projections have it, to the subscribers of the identities it concerns, so the cost of
 * an event does not grow with the number of connections. A subscriber first catches up from its position by
 * reading the log, then takes live events; a subscriber that falls behind drops its queue
 * and catches up from the log again. Either way it sees each of its events once, in order.
 */
export class FeedHub {
  private readonly subscribers = new Map<string, Set<FeedSubscription>>();
  private readonly presenceListeners = new Set<(address: string, online: boolean) => void>();
  private detach: (() => void) | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly readModels: ReadModels,
    private readonly lookups: FeedLookups,
  ) {}

  /** The last item made, for the event's other subscribers while the read models stand still. */
  private last: { event: RecordedEvent; at: number; item: FeedItem | null } | null = null;

  /**
   * What `event` shows its audience (null: nothing to show, e.g. a call this node lost).
   * An event's subscribers (sender and recipient, their devices) ask one after the other:
   * while the read models have not moved the answer is the same, so it is made once.
   */
  itemOf(event: RecordedEvent): FeedItem | null {
    const at = this.readModels.position;
    if (this.last?.event === event && this.last.at === at) return this.last.item;
    const item = feedItemOf(classify(event), this.lookups);
    this.last = { event, at, item };
    return item;
  }

  /** Last position routed (the read models' position). */
  get position(): number {
    return this.readModels.position;
  }

  start(): void {
    this.detach = this.readModels.onEvent((event, audience) => {
      for (const address of audience) {
        const subs = this.subscribers.get(address);
        if (subs) for (const s of subs) s.push(event.recorded);
      }
    });
  }

  /**
   * Refuses a position this log has never reached. Such a cursor comes from another life of
   * the log (a demo-mode restart, a restore from an older backup): taken as is, the feed would
   * wait silently until the log grew past it and skip everything before. A position this
   * node's read models have not reached yet may still be in the log (another node appended
   * it), so the log's head decides, not the local position.
   */
  async checkCursor(position: number): Promise<void> {
    if (position <= this.readModels.position) return;
    const head = await this.log.head();
    if (position > head) {
      throw new DomainError(
        'CURSOR_AHEAD',
        `position ${position} is past the end of the event log (${head}): this server's log is not the one your position came from; resync from 0 (or from the state you know) and store the new positions`,
      );
    }
  }

  /** A feed of one identity's events after `after`. */
  open(address: string, after: number): FeedSubscription {
    const sub = new FeedSubscription(this, this.log, address, after);
    let set = this.subscribers.get(address);
    if (!set) {
      set = new Set();
      this.subscribers.set(address, set);
      this.tellPresence(address, true);
    }
    set.add(sub);
    return sub;
  }

  /** True while `address` has a live feed on this node (push presence, app/push/). */
  hasSubscribers(address: string): boolean {
    return this.subscribers.has(address);
  }

  /** Told when an identity's first feed on this node opens (true) and its last one closes (false). */
  onPresence(listener: (address: string, online: boolean) => void): () => void {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  }

  private tellPresence(address: string, online: boolean): void {
    for (const l of this.presenceListeners) l(address, online);
  }

  /** @internal */
  remove(sub: FeedSubscription): void {
    const set = this.subscribers.get(sub.address);
    if (!set) return;
    set.delete(sub);
    if (set.size === 0) {
      this.subscribers.delete(sub.address);
      this.tellPresence(sub.address, false);
    }
  }

  get subscriberCount(): number {
    let n = 0;
    for (const s of this.subscribers.values()) n += s.size;
    return n;
  }

  /** Positions of `address`'s feed in (after, upTo], at most `limit`. */
  positionsOf(address: string, after: number, upTo: number, limit: number): number[] {
    return this.readModels.feedPositions(address, after, upTo, limit);
  }

  stop(): void {
    this.detach?.();
    for (const set of this.subscribers.values()) for (const s of set) s.close();
  }
}

export class FeedSubscription implements AsyncIterableIterator<RecordedEvent> {
  private queue: RecordedEvent[] = [];
  private backlog: RecordedEvent[] = [];
  private behind = true;
  private closed = false;
  private wake: (() => void) | null = null;
  private failures = 0;

  constructor(
    private readonly hub: FeedHub,
    private readonly log: EventLog,
    readonly address: string,
    /** Last position delivered (or skipped as not ours). */
    public position: number,
  ) {}

  /** @internal called by the hub for each live event of this identity. */
  push(event: RecordedEvent): void {
    if (this.closed || this.behind) return;
    if (this.queue.length >= QUEUE_LIMIT) {
      // Too slow to keep up live: forget the queue, the log still has everything.
      this.queue = [];
      this.behind = true;
    } else {
      this.queue.push(event);
    }
    this.wake?.();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.closed) return { value: undefined, done: true };
      if (this.behind) {
        const event = await this.catchUp();
        if (event) return this.deliver(event);
        continue;
      }
      const event = this.queue.shift();
      if (event) {
        if (event.position <= this.position) continue; // already seen while catching up
        return this.deliver(event);
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }

  private deliver(event: RecordedEvent): IteratorResult<RecordedEvent> {
    this.position = event.position;
    return { value: event, done: false };
  }

  /**
   * Reads this identity's next events after `position`, found through the read models' feed
   * index. When the read reaches the hub's routed position the subscriber goes live: events
   * after it arrive by `push`, and the `position` check in `next` drops any already read.
   */
  private async catchUp(): Promise<RecordedEvent | null> {
    for (;;) {
      const backlogged = this.backlog.shift();
      if (backlogged) return backlogged;
      const target = this.hub.position;
      if (this.position >= target) {
        this.behind = false;
        return null;
      }
      const positions = this.hub.positionsOf(this.address, this.position, target, PAGE);
      if (positions.length === 0) {
        this.position = target; // nothing of ours up to the routed position
        continue;
      }
      try {
        this.backlog = await this.log.readPositions(positions);
        this.failures = 0;
      } catch (error) {
        // The store is down or restarting: wait and read again rather than end the feed,
        // so a subscriber carries on by itself once the store is back.
        if (!(error instanceof StoreUnavailableError)) throw error;
        await this.pause(Math.min(2000, 50 * 2 ** this.failures++));
        if (this.closed) return null;
        continue;
      }
      if (this.closed) return null;
      if (this.backlog.length === 0) throw new Error(`feed index points past the log at ${positions[0]}`);
    }
  }

  /** Waits `ms`, or less if the subscription is closed meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.wake = null;
    });
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    this.close();
    return { value: undefined, done: true };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.remove(this);
    this.wake?.();
  }
}
