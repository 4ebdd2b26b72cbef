import {
  type Decider,
  type DomainEvent,
  type HandleResult,
  handleCommand,
} from '../events/shared/decider.ts';
import type { EventLog, EventMetadata, JsonObject } from '../events/store/types.ts';

/**
 * A named view of a read model that a decision is taken on, instead of folding the stream.
 * The name says in code (and in docs/decisions.md) which read model stands in for the stream.
 */
export interface ReadModelReader<State> {
  readonly name: string;
  read(): State;
}

/**
 * How a command reaches its decision (docs/decisions.md, "Two write strategies"):
 * - `fold`: load the stream, fold it with the decider, decide, append at the version read
 *   (`expectedVersion`); a concurrent append fails the check and the cycle runs again. For
 *   streams whose invariants need every earlier fact: identity, contacts, calls, plans.
 * - `read-model`: decide on a state read from this node's read models and append with
 *   `expectedVersion: 'any'`. For streams that are long and whose decisions need no version
 *   check (messages: per-message rules and idempotent ids; call signals: no state change).
 */
export type WriteStrategy<State> =
  | { strategy: 'fold' }
  | {
      strategy: 'read-model';
      reader: ReadModelReader<State>;
      /** The first event's id (a client's idempotency key), if it has one. */
      eventId?: string;
    };

/** Where a command is written: its stream, its decider and the strategy. */
export type WriteTarget<Command, Event extends DomainEvent, State> = {
  stream: string;
  decider: Decider<Command, Event, State>;
} & WriteStrategy<State>;

/** What every write needs: the log, and the read models it waits for (read-your-writes). */
export interface WriteDeps {
  log: EventLog;
  readModels: { waitFor(position: number): Promise<void> };
}

/**
 * The one write path: decides `command` by the target's strategy, appends the events with
 * `metadata`, and waits until this node's read models include them, so the caller reads its
 * own write. An empty decision appends nothing.
 */
export async function handle<Command, Event extends DomainEvent, State>(
  deps: WriteDeps,
  target: WriteTarget<Command, Event, State>,
  command: Command,
  metadata: EventMetadata,
): Promise<HandleResult<Event>> {
  let result: HandleResult<Event>;
  if (target.strategy === 'fold') {
    result = await handleCommand(deps.log, target.stream, target.decider, command, metadata);
  } else {
    const events = target.decider.decide(command, target.reader.read());
    if (events.length === 0) return { events, append: null };
    const append = await deps.log.append(
      target.stream,
      events.map((e, i) => ({
        ...(i === 0 && target.eventId ? { id: target.eventId } : {}),
        type: e.type,
        data: e.data as JsonObject,
        metadata,
      })),
      { expectedVersion: 'any' },
    );
    result = { events, append };
  }
  if (result.append) await deps.readModels.waitFor(result.append.lastPosition);
  return result;
}
