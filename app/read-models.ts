import { calls } from '../events/calls/projection.ts';
import { addressBooks } from '../events/contacts/projection.ts';
import { audienceOf } from '../events/feed/audience.ts';
import { directory } from '../events/identity/projections.ts';
import { conversations } from '../events/messages/projection.ts';
import { plans } from '../events/plans/projection.ts';
import { ProjectionRunner } from '../events/projections/runner.ts';
import type { EventLog, RecordedEvent } from '../events/store/types.ts';

/** Called with each live event and the identities whose feed it belongs to. */
type Listener = (event: RecordedEvent, audience: string[]) => void;

/**
 * The node's read models: every projection, rebuilt from position 0 at start, then fed
 * live from the log in order. Commands wait for their own position (`waitFor`) so that a
 * client reads its own writes on this node; other nodes get the same events through the
 * log's tail. Listeners (feed routing, socket closing) run after the projections took the
 * event, so whatever they look up already includes it.
 */
export class ReadModels {
  readonly directory = new ProjectionRunner(directory);
  readonly addressBooks = new ProjectionRunner(addressBooks);
  readonly conversations = new ProjectionRunner(conversations);
  readonly calls = new ProjectionRunner(calls);
  readonly plans = new ProjectionRunner(plans);
  private readonly runners = [
    this.directory,
    this.addressBooks,
    this.conversations,
    this.calls,
    this.plans,
  ] as ProjectionRunner<unknown>[];
  /**
   * Each identity's feed: the positions of the events it is the audience of, ascending. A
   * device that reconnects after a while reads just those, not the whole log since then
   * (8 bytes per event per audience member).
   */
  readonly feedIndex = new Map<string, number[]>();
  private readonly waiters: { position: number; resolve: () => void }[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private applied = 0;
  failure: unknown = null;

  constructor(
    private readonly log: EventLog,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Last position folded into every read model. */
  get position(): number {
    return this.applied;
  }

  async start(): Promise<void> {
    const head = await this.log.head();
    // One pass over the log for all projections.
    for (let from = 0; from < head; ) {
      const page = await this.log.readAll(from, 5000);
      if (page.length === 0) break;
      for (const e of page) {
        for (const r of this.runners) r.apply(e);
        this.index(e);
      }
      from = page[page.length - 1]!.position;
      this.applied = from;
    }
    const sub = this.log.subscribe({ from: this.applied, signal: this.abort.signal });
    this.loop = (async () => {
      try {
        for await (const event of sub) this.apply(event);
      } catch (error) {
        this.failure = error;
        this.onError(error);
      }
    })();
  }

  private index(event: RecordedEvent): string[] {
    const audience = audienceOf(event);
    for (const address of audience) {
      const list = this.feedIndex.get(address);
      if (list) list.push(event.position);
      else this.feedIndex.set(address, [event.position]);
    }
    return audience;
  }

  /** Up to `limit` positions of `address`'s feed in (after, upTo]. */
  feedPositions(address: string, after: number, upTo: number, limit: number): number[] {
    const list = this.feedIndex.get(address);
    if (!list) return [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo; i < list.length && out.length < limit && list[i]! <= upTo; i++) out.push(list[i]!);
    return out;
  }

  private apply(event: RecordedEvent): void {
    for (const r of this.runners) r.apply(event);
    const audience = this.index(event);
    this.applied = event.position;
    for (const l of this.listeners) {
      try {
        l(event, audience);
      } catch (error) {
        this.onError(error);
      }
    }
    while (this.waiters.length > 0 && this.waiters[0]!.position <= event.position)
      this.waiters.shift()!.resolve();
  }

  /** Resolves once every event up to `position` is folded in. */
  waitFor(position: number): Promise<void> {
    if (position <= this.applied) return Promise.resolve();
    return new Promise((resolve) => {
      const i = this.waiters.findIndex((w) => w.position > position);
      const waiter = { position, resolve };
      if (i < 0) this.waiters.push(waiter);
      else this.waiters.splice(i, 0, waiter);
    });
  }

  /** Catches up to the log's current end: used when another node may have just written. */
  async sync(): Promise<void> {
    await this.waitFor(await this.log.head());
  }

  /** Called for each live event after the projections took it. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called with the id of each call placed, once the read models have it (the ring timer). */
  onCallPlaced(listener: (callId: string) => void): () => void {
    return this.onEvent((e) => {
      if (e.type === 'CallPlaced') listener(String(e.data.callId));
    });
  }

  /** Digests of every read model (compared with a fresh replay in tests). */
  digests(): Record<string, string> {
    return Object.fromEntries(this.runners.map((r) => [r.projection.name, r.digest()]));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    for (const w of this.waiters.splice(0)) w.resolve();
  }
}
