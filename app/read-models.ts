import { audienceOf, type Classified, classify } from '../events/catalog.ts';
import type { Projection } from '../events/projections/projection.ts';
import {
  type ReadModelName,
  type ReadModelProjections,
  readModelProjections,
  type StateOf,
} from '../events/projections/registry.ts';
import { ProjectionRunner, replayAll } from '../events/projections/runner.ts';
import { partitionPoint } from '../events/shared/sorted.ts';
import type { EventLog, RecordedEvent } from '../events/store/types.ts';

/** Called with each live event, classified, and the identities whose feed it belongs to. */
type Listener = (event: Classified, audience: string[]) => void;

/** One runner per registered projection, typed by its state. */
export type Runners = { [K in ReadModelName]: ProjectionRunner<StateOf<ReadModelProjections[K]>> };

/**
 * The node's read models: every projection, rebuilt from position 0 at start, then fed
 * live from the log in order. Commands wait for their own position (`waitFor`) so that a
 * client reads its own writes on this node; other nodes get the same events through the
 * log's tail. Listeners (feed routing, socket closing) run after the projections took the
 * event, so whatever they look up already includes it.
 */
export class ReadModels {
  /** Every projection of the registry (events/projections/registry.ts), by name. */
  readonly runners: Runners = Object.fromEntries(
    Object.entries(readModelProjections).map(([name, p]) => [
      name,
      new ProjectionRunner<unknown>(p as Projection<unknown>),
    ]),
  ) as Runners;
  private readonly all = Object.values(this.runners) as ProjectionRunner<unknown>[];
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
    // One pass over the log for every projection.
    await replayAll(this.log, this.all);
    this.applied = this.all[0]?.checkpoint ?? 0;
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

  /** Up to `limit` positions of `address`'s feed in (after, upTo]. */
  feedPositions(address: string, after: number, upTo: number, limit: number): number[] {
    const list = this.runners.feedIndex.state.get(address);
    if (!list) return [];
    const out: number[] = [];
    for (let i = partitionPoint(list, (p) => p <= after); i < list.length && out.length < limit; i++) {
      if (list[i]! > upTo) break;
      out.push(list[i]!);
    }
    return out;
  }

  private apply(event: RecordedEvent): void {
    for (const r of this.all) r.apply(event);
    this.applied = event.position;
    const classified = classify(event);
    const audience = audienceOf(classified);
    for (const l of this.listeners) {
      try {
        l(classified, audience);
      } catch (error) {
        this.onError(error);
      }
    }
    this.release(event.position);
  }

  private release(position: number): void {
    while (this.waiters.length > 0 && this.waiters[0]!.position <= position) this.waiters.shift()!.resolve();
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
    return this.onEvent((c) => {
      if (c.domain === 'calls' && c.event.type === 'CallPlaced') listener(c.event.data.callId);
    });
  }

  /** Digests of every read model (compared with a fresh replay in tests). */
  digests(): Record<string, string> {
    return Object.fromEntries(this.all.map((r) => [r.projection.name, r.digest()]));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    for (const w of this.waiters.splice(0)) w.resolve();
  }
}
