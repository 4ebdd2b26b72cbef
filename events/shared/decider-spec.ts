import assert from 'node:assert/strict';
import type { Decider, DomainEvent } from './decider.ts';
import { DomainError } from './errors.ts';

/** The outcome of one decision under test: compare it, or read it to build the next `given`. */
export interface DecisionSpec<Event extends DomainEvent> {
  /** The events decided (throws what the decision throws). */
  readonly events: Event[];
  /** The decision produces exactly these events. (Not `then`: that would make it a thenable.) */
  thenEvents(expected: Event[]): void;
  /** The decision produces events of exactly these types, in this order. */
  thenTypes(types: Event['type'][]): void;
  /** The decision is refused with a `DomainError` of this code. */
  thenThrows(code: string): void;
}

function decision<Event extends DomainEvent>(run: () => Event[]): DecisionSpec<Event> {
  return {
    get events() {
      return run();
    },
    thenEvents: (expected) => assert.deepEqual(run(), expected),
    thenTypes: (types) =>
      assert.deepEqual(
        run().map((e) => e.type),
        types,
      ),
    thenThrows: (code) =>
      assert.throws(run, (e: unknown) => {
        assert.ok(e instanceof DomainError, `expected a DomainError ${code}, got ${String(e)}`);
        assert.equal(e.code, code);
        return true;
      }),
  };
}

/**
 * Given/when/then for a decider folded from its stream (Emmett's DeciderSpecification):
 * `given(events).when(command).thenEvents(events)` or `.thenThrows(code)`.
 */
export function deciderSpec<Command, Event extends DomainEvent, State>(
  decider: Decider<Command, Event, State>,
) {
  return {
    /** The state after these past events. */
    given: (events: Event[] = []) => ({
      when: (command: Command) =>
        decision(() => decider.decide(command, events.reduce(decider.evolve, decider.initial()))),
    }),
  };
}

/**
 * Given/when/then for a decision taken on a state read elsewhere (a read model), not folded
 * from a stream: `given(state).when(command).thenEvents(events)`.
 */
export function decisionSpec<Command, Event extends DomainEvent, State>(
  decide: (command: Command, state: State) => Event[],
) {
  return {
    given: (state: State) => ({
      when: (command: Command) => decision(() => decide(command, state)),
    }),
  };
}
