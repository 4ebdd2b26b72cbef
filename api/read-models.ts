import { directory } from '../events/identity/projections.ts';
import { ProjectionRunner } from '../events/projections/runner.ts';
import type { EventLog, RecordedEvent } from '../events/store/types.ts';

type Listener = (event: RecordedEvent) => void;

/**
 * The node's read models: every projection, rebuilt from position 0 at start, then fed
 * live from the log in order. Commands wait for their own position (`waitFor`) so that a
 * client reads its own writes on this node; other nodes get the same events through the
 * log's tail.
 */
export class ReadModels {
  readonly directory = new ProjectionRunner(directory);
  private readonly runners = [this.directory] as ProjectionRunner<unknown>[];
  private readonly waiters: { position: number; resolve: () => void }[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  failure: unknown = null;

  constructor(
    private readonly log: EventLog,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  get position(): number {
    return this.directory.checkpoint;
  }

  async start(): Promise<void> {
    for (const r of this.runners) await r.rebuild(this.log);
    const from = this.position;
    const sub = this.log.subscribe({ from, signal: this.abort.signal });
    this.loop = (async () => {
      try {
        for await (const event of sub) this.apply(event);
      } catch (error) {
        this.failure = error;
        this.onError(error);
      }
    })();
  }

  private apply(event: RecordedEvent): void {
    for (const r of this.runners) r.apply(event);
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (error) {
        this.onError(error);
      }
    }
    while (this.waiters.length > 0 && this.waiters[0]!.position <= event.position)
      this.waiters.shift()!.resolve();
  }

  /** Resolves once every event up to `position` is folded in. */
  waitFor(position: number): Promise<void> {
    if (position <= this.position) return Promise.resolve();
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

  /** Called for each event after the projections took it. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    for (const w of this.waiters.splice(0)) w.resolve();
  }
}
