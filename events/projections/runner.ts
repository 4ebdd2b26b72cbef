import { canonicalJson } from '../store/hash.ts';
import type { EventLog, RecordedEvent } from '../store/types.ts';
import { type Projection, ProjectionError } from './projection.ts';

/**
 * Holds one projection's state and checkpoint (the last position folded in). Applying is
 * strictly in order; after a failure the runner refuses further events until rebuilt.
 */
export class ProjectionRunner<State> {
  state: State;
  checkpoint = 0;
  failure: ProjectionError | null = null;

  constructor(readonly projection: Projection<State>) {
    this.state = projection.initial();
  }

  apply(event: RecordedEvent): void {
    if (this.failure) throw this.failure;
    if (event.position <= this.checkpoint) return; // already folded in (at-least-once delivery)
    try {
      this.state = this.projection.evolve(this.state, event);
    } catch (cause) {
      this.failure = new ProjectionError(this.projection.name, event, cause);
      throw this.failure;
    }
    this.checkpoint = event.position;
  }

  /** Folds in everything after the checkpoint up to the log's current end. */
  async catchUp(log: EventLog, pageSize = 5000): Promise<number> {
    let count = 0;
    for (;;) {
      const page = await log.readAll(this.checkpoint, pageSize);
      for (const e of page) this.apply(e);
      count += page.length;
      if (page.length < pageSize) return count;
    }
  }

  /** Starts again from position 0. */
  async rebuild(log: EventLog, pageSize = 5000): Promise<number> {
    this.state = this.projection.initial();
    this.checkpoint = 0;
    this.failure = null;
    return this.catchUp(log, pageSize);
  }

  /** Canonical JSON of the state: equal digests mean equal read models. */
  digest(): string {
    return canonicalJson(this.projection.snapshot(this.state));
  }
}

/** Rebuilds several projections in one pass over the log. */
export async function replayAll(
  log: EventLog,
  runners: ProjectionRunner<unknown>[],
  pageSize = 5000,
): Promise<{ events: number; ms: number }> {
  const started = performance.now();
  for (const r of runners) {
    r.state = r.projection.initial();
    r.checkpoint = 0;
    r.failure = null;
  }
  let events = 0;
  for (let from = 0; ; ) {
    const page: RecordedEvent[] = await log.readAll(from, pageSize);
    for (const e of page) for (const r of runners) r.apply(e);
    events += page.length;
    if (page.length < pageSize) break;
    from = page[page.length - 1]!.position;
  }
  return { events, ms: performance.now() - started };
}
