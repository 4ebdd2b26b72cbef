import type { EventSubscription, RecordedEvent } from './types.ts';

export interface TailSource {
  readAll(fromPosition: number, limit: number): Promise<RecordedEvent[]>;
  head(): Promise<number>;
}

export interface LiveTailOptions {
  /** Recent events kept in memory so that live subscribers share one read of each event. */
  windowSize?: number;
  pageSize?: number;
  /** Called when reading the log fails; the tail retries on the next notification. */
  onError?: (error: unknown) => void;
}

/**
 * One reader of the log's end per process, shared by every subscription. It reads each new
 * event once and keeps a bounded window of recent events; a subscription within the window
 * takes events from it, one further behind reads pages from the log itself. Subscriptions
 * are pull-based, so a slow consumer holds at most one page and never makes the tail buffer.
 */
export class LiveTail {
  private window: RecordedEvent[] = [];
  private again = false;
  private headPosition = 0;
  private fetching: Promise<void> | null = null;
  private waiters = new Set<() => void>();
  private closed = false;
  private readonly windowSize: number;
  private readonly pageSize: number;

  constructor(
    private readonly source: TailSource,
    private readonly options: LiveTailOptions = {},
  ) {
    this.windowSize = options.windowSize ?? 10_000;
    this.pageSize = options.pageSize ?? 500;
  }

  /** Starts at the log's current end: history is read on demand, not preloaded. */
  async start(): Promise<void> {
    this.headPosition = await this.source.head();
  }

  /** Last position read into the tail. */
  get head(): number {
    return this.headPosition;
  }

  /**
   * For a source that holds every event in memory (so there is nothing to read or keep in a
   * window): the log now ends at `position`. Wakes waiting subscribers synchronously.
   */
  advance(position: number): void {
    if (this.closed || position <= this.headPosition) return;
    this.headPosition = position;
    this.wake();
  }

  /**
   * Events this process has just committed, in order. When they follow the tail's end
   * directly they are taken as read (one query fewer per commit on the committing node);
   * when not (another node committed in between, or a read is under way) the tail reads
   * the log as on a notification.
   */
  offer(events: RecordedEvent[]): void {
    const first = events[0];
    if (this.closed || !first) return;
    if (this.fetching || first.position !== this.headPosition + 1) {
      this.notify(events[events.length - 1]!.position);
      return;
    }
    if (this.windowSize > 0) this.keep(events);
    this.headPosition = events[events.length - 1]!.position;
    this.wake();
  }

  private keep(page: RecordedEvent[]): void {
    this.window.push(...page);
    if (this.window.length > this.windowSize * 2) {
      this.window = this.window.slice(this.window.length - this.windowSize);
    }
  }

  /** The log has grown to at least `position` (or may have, when undefined). */
  notify(position?: number): void {
    if (this.closed) return;
    if (position !== undefined && position <= this.headPosition) return;
    if (this.fetching) {
      // A commit may have landed after the running read's snapshot: read once more after it.
      this.again = true;
      return;
    }
    this.fetching = this.fetch().finally(() => {
      this.fetching = null;
      if (this.again) {
        this.again = false;
        this.notify();
      }
    });
  }

  private async fetch(): Promise<void> {
    try {
      for (;;) {
        const page = await this.source.readAll(this.headPosition, this.pageSize);
        if (page.length === 0 || this.closed) break;
        if (this.windowSize > 0) this.keep(page);
        this.headPosition = page[page.length - 1]!.position;
        this.wake();
        if (page.length < this.pageSize) break;
      }
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }

  /** Up to `limit` events after `position` if the window holds them, else null. */
  fromWindow(position: number, limit: number): RecordedEvent[] | null {
    const first = this.window[0];
    if (!first || first.position > position + 1 || position >= this.headPosition) return null;
    const start = position + 1 - first.position;
    return this.window.slice(start, start + limit);
  }

  /** Resolves when the tail has read past `position`, or `cancel` is called. */
  waitBeyond(position: number): { promise: Promise<void>; cancel: () => void } {
    if (this.headPosition > position || this.closed) return { promise: Promise.resolve(), cancel: () => {} };
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.waiters.add(resolve);
    return {
      promise,
      cancel: () => {
        this.waiters.delete(resolve);
        resolve();
      },
    };
  }

  subscribe(from: number, signal?: AbortSignal): EventSubscription {
    return new TailSubscription(this, this.source, from, this.pageSize, signal);
  }

  /** @internal a subscription's read failed; it retries. */
  reportError(error: unknown): void {
    this.options.onError?.(error);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    this.wake();
  }
}

class TailSubscription implements EventSubscription {
  private page: RecordedEvent[] = [];
  private index = 0;
  private done = false;
  private cancelWait: (() => void) | null = null;
  private failures = 0;
  position: number;

  constructor(
    private readonly tail: LiveTail,
    private readonly source: TailSource,
    from: number,
    private readonly pageSize: number,
    signal?: AbortSignal,
  ) {
    this.position = from;
    if (signal) {
      if (signal.aborted) this.close();
      else signal.addEventListener('abort', () => this.close(), { once: true });
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.done || this.tail.isClosed) return this.finish();
      const event = this.page[this.index];
      if (event) {
        this.index++;
        this.position = event.position;
        return { value: event, done: false };
      }
      this.index = 0;
      this.page = [];
      if (this.position < this.tail.head) {
        try {
          this.page =
            this.tail.fromWindow(this.position, this.pageSize) ??
            (await this.source.readAll(this.position, this.pageSize));
          this.failures = 0;
        } catch (error) {
          // The store is down or restarting: a subscription (the read models' loop among
          // them) waits and reads again rather than ending for good.
          this.tail.reportError(error);
          await this.pause(Math.min(2000, 50 * 2 ** this.failures++));
        }
        continue;
      }
      const wait = this.tail.waitBeyond(this.position);
      this.cancelWait = wait.cancel;
      await wait.promise;
      this.cancelWait = null;
    }
  }

  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.cancelWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.cancelWait = null;
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    this.close();
    return this.finish();
  }

  private finish(): IteratorResult<RecordedEvent> {
    this.done = true;
    this.page = [];
    return { value: undefined, done: true };
  }

  close(): void {
    this.done = true;
    this.cancelWait?.();
  }
}
