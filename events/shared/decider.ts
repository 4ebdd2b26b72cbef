import { VersionConflictError } from '../store/errors.ts';
import type { AppendResult, EventLog, EventMetadata, JsonObject } from '../store/types.ts';

/** A domain event as deciders produce it: a type and its data. */
export interface DomainEvent {
  type: string;
  data: object;
}

/** Pure decision logic of one stream kind (Emmett's decider). */
export interface Decider<Command, Event extends DomainEvent, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initial(): State;
}

export interface HandleResult<Event> {
  events: Event[];
  /** Null when the decision produced no events. */
  append: AppendResult | null;
}

/**
 * The write path: load the stream, fold it, decide, append at the version that was read.
 * A concurrent append makes the version check fail; then the whole cycle runs again on the
 * fresh state, so the decision is always taken on what is really in the log.
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  log: EventLog,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  metadata: EventMetadata,
  attempts = 5,
): Promise<HandleResult<Event>> {
  for (let attempt = 1; ; attempt++) {
    const recorded = await log.readStream(streamId);
    const state = recorded.reduce((s, e) => decider.evolve(s, e as unknown as Event), decider.initial());
    const events = decider.decide(command, state);
    if (events.length === 0) return { events, append: null };
    try {
      const append = await log.append(
        streamId,
        events.map((e) => ({ type: e.type, data: e.data as JsonObject, metadata })),
        { expectedVersion: recorded.length === 0 ? 0 : recorded[recorded.length - 1]!.streamVersion },
      );
      return { events, append };
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= attempts) throw error;
    }
  }
}
