import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressOf } from '../../protocol/address.ts';
import { deciderSpec } from '../shared/decider-spec.ts';
import { contactsDecider, evolveContacts, initialContacts } from './decide.ts';
import type { ContactsEvent } from './events.ts';

const { given } = deciderSpec(contactsDecider);
const key = (seed: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + seed) & 255);
const me = addressOf(key(1));
const bob = addressOf(key(2));
const added: ContactsEvent = { type: 'ContactAdded', data: { address: bob, nickname: 'Bob' } };

describe('contacts decider', () => {
  it('should add a contact once, with a valid address and nickname, never oneself', () => {
    given([]).when({ type: 'AddContact', owner: me, address: bob, nickname: ' Bob ' }).thenEvents([added]);
    given([added])
      .when({ type: 'AddContact', owner: me, address: bob, nickname: 'Bob' })
      .thenThrows('CONFLICT');
    given([]).when({ type: 'AddContact', owner: me, address: me, nickname: 'Me' }).thenThrows('BAD_INPUT');
    given([])
      .when({ type: 'AddContact', owner: me, address: `${bob.slice(0, -1)}x`, nickname: 'B' })
      .thenThrows('ADDRESS_INVALID');
    given([]).when({ type: 'AddContact', owner: me, address: bob, nickname: '' }).thenThrows('BAD_INPUT');
  });

  it('should rename, mark always-allowed and remove only existing contacts', () => {
    given([]).when({ type: 'RenameContact', address: bob, nickname: 'B' }).thenThrows('NOT_FOUND');
    given([added])
      .when({ type: 'RenameContact', address: bob, nickname: 'Bobby' })
      .thenEvents([{ type: 'ContactRenamed', data: { address: bob, nickname: 'Bobby' } }]);
    given([added])
      .when({ type: 'SetAlwaysAllowed', address: bob, alwaysAllowed: true })
      .thenEvents([{ type: 'ContactAlwaysAllowedSet', data: { address: bob, alwaysAllowed: true } }]);
    given([added]).when({ type: 'SetAlwaysAllowed', address: bob, alwaysAllowed: false }).thenEvents([]);
    given([added])
      .when({ type: 'RemoveContact', address: bob })
      .thenEvents([{ type: 'ContactRemoved', data: { address: bob } }]);
    given([added, { type: 'ContactRemoved', data: { address: bob } }])
      .when({ type: 'RemoveContact', address: bob })
      .thenThrows('NOT_FOUND');
  });

  it('should block and unblock anyone, idempotently', () => {
    const blocked: ContactsEvent = { type: 'ContactBlocked', data: { address: bob } };
    given([]).when({ type: 'Block', owner: me, address: bob }).thenEvents([blocked]);
    given([blocked]).when({ type: 'Block', owner: me, address: bob }).thenEvents([]);
    given([blocked])
      .when({ type: 'Unblock', address: bob })
      .thenEvents([{ type: 'ContactUnblocked', data: { address: bob } }]);
    given([]).when({ type: 'Unblock', address: bob }).thenEvents([]);
  });

  it('should set do-not-disturb and the non-contact call policy', () => {
    given([])
      .when({ type: 'SetDoNotDisturb', on: true })
      .thenEvents([{ type: 'DoNotDisturbSet', data: { on: true } }]);
    given([])
      .when({ type: 'SetNonContactCalls', policy: 'silence' })
      .thenEvents([{ type: 'NonContactCallsSet', data: { policy: 'silence' } }]);
    given([])
      .when({ type: 'SetNonContactCalls', policy: 'loud' as never })
      .thenThrows('BAD_INPUT');
  });

  it('should accept a pending message request as a new contact, and refuse one that is not pending', () => {
    const accepted: ContactsEvent = {
      type: 'MessageRequestAccepted',
      data: { address: bob, nickname: 'Bob' },
    };
    given([])
      .when({ type: 'AcceptMessageRequest', address: bob, nickname: 'Bob', pending: true })
      .thenEvents([accepted]);
    assert.equal(evolveContacts(initialContacts(), accepted).contacts.has(bob), true);
    given([])
      .when({ type: 'AcceptMessageRequest', address: bob, nickname: 'Bob', pending: false })
      .thenThrows('NOT_FOUND');
    given([]).when({ type: 'DeclineMessageRequest', address: bob, pending: false }).thenThrows('NOT_FOUND');
  });
});
