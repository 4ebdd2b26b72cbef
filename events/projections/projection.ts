import type { JsonValue, RecordedEvent } from '../store/types.ts';

/**
 * A read model as a pure fold over the log. `evolve` must not read the clock or do I/O, so
 * that replaying the same events always rebuilds the same state.
 */
export interface Projection<State> {
  readonly name: string;
  initial(): State;
  evolve(state: State, event: RecordedEvent): State;
  /** A JSON form of the state, compared when checking a rebuild against a live instance. */
  snapshot(state: State): JsonValue;
}

/** A projection's `evolve` threw: the projection stops at this event rather than skip it. */
export class ProjectionError extends Error {
  constructor(
    readonly projection: string,
    readonly event: Pick<RecordedEvent, 'position' | 'type' | 'streamId' | 'id'>,
    override readonly cause: unknown,
  ) {
    super(
      `projection ${projection} stopped at position ${event.position} (${event.type} in ${event.streamId}, id ${event.id}): ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
    );
    this.name = 'ProjectionError';
  }
}
