import { classify } from '../catalog.ts';
import type { Projection } from '../projections/projection.ts';
import type { JsonValue, RecordedEvent } from '../store/types.ts';
import { type ContactsState, evolveContacts, initialContacts } from './decide.ts';

export interface AddressBooks {
  byOwner: Map<string, ContactsState>;
  /** Position of the owner's last MessageRequestDeclined for a peer: `${owner} ${peer}` → position. */
  declined: Map<string, number>;
}

/** Every identity's contacts, blocks and call settings: the decider's own fold, per owner. */
export const addressBooks: Projection<AddressBooks> = {
  name: 'addressBooks',
  initial: () => ({ byOwner: new Map(), declined: new Map() }),
  evolve(state, recorded: RecordedEvent) {
    const c = classify(recorded);
    if (c.domain !== 'contacts') return state;
    const { owner, event } = c;
    state.byOwner.set(owner, evolveContacts(state.byOwner.get(owner) ?? initialContacts(), event));
    if (event.type === 'MessageRequestDeclined')
      state.declined.set(`${owner} ${event.data.address}`, recorded.position);
    return state;
  },
  snapshot(state): JsonValue {
    return {
      byOwner: Object.fromEntries(
        [...state.byOwner].map(([owner, s]) => [
          owner,
          {
            contacts: Object.fromEntries([...s.contacts].map(([a, c]) => [a, { ...c }])),
            blocked: [...s.blocked].sort(),
            doNotDisturb: s.doNotDisturb,
            nonContactCalls: s.nonContactCalls,
          },
        ]),
      ),
      declined: Object.fromEntries(state.declined),
    };
  },
};

export const bookOf = (books: AddressBooks, owner: string): ContactsState =>
  books.byOwner.get(owner) ?? initialContacts();
