import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { addressOf } from '../../protocol/address.ts';
import { DomainError } from '../shared/errors.ts';
import { type ContactsCommand, decideContacts, evolveContacts, initialContacts } from './decide.ts';
import type { ContactsEvent } from './events.ts';

const addr = () =>
  addressOf(
    Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string, 'base64url'),
  );
const me = addr();
const bob = addr();
const given = (events: ContactsEvent[]) => events.reduce(evolveContacts, initialContacts());
const when = (events: ContactsEvent[], c: ContactsCommand) => decideContacts(c, given(events));
const refused = (events: ContactsEvent[], c: ContactsCommand, code: string) =>
  assert.throws(
    () => when(events, c),
    (e: unknown) => e instanceof DomainError && e.code === code,
  );
const added: ContactsEvent = { type: 'ContactAdded', data: { address: bob, nickname: 'Bob' } };

describe('contacts decider', () => {
  it('should add a contact once, with a valid address and nickname, never oneself', () => {
    assert.deepEqual(when([], { type: 'AddContact', owner: me, address: bob, nickname: ' Bob ' }), [added]);
    refused([added], { type: 'AddContact', owner: me, address: bob, nickname: 'Bob' }, 'CONFLICT');
    refused([], { type: 'AddContact', owner: me, address: me, nickname: 'Me' }, 'BAD_INPUT');
    refused(
      [],
      { type: 'AddContact', owner: me, address: `${bob.slice(0, -1)}x`, nickname: 'B' },
      'ADDRESS_INVALID',
    );
    refused([], { type: 'AddContact', owner: me, address: bob, nickname: '' }, 'BAD_INPUT');
  });

  it('should rename, mark always-allowed and remove only existing contacts', () => {
    refused([], { type: 'RenameContact', address: bob, nickname: 'B' }, 'NOT_FOUND');
    assert.deepEqual(when([added], { type: 'RenameContact', address: bob, nickname: 'Bobby' }), [
      { type: 'ContactRenamed', data: { address: bob, nickname: 'Bobby' } },
    ]);
    assert.deepEqual(when([added], { type: 'SetAlwaysAllowed', address: bob, alwaysAllowed: true }), [
      { type: 'ContactAlwaysAllowedSet', data: { address: bob, alwaysAllowed: true } },
    ]);
    assert.deepEqual(when([added], { type: 'SetAlwaysAllowed', address: bob, alwaysAllowed: false }), []);
    assert.deepEqual(when([added], { type: 'RemoveContact', address: bob }), [
      { type: 'ContactRemoved', data: { address: bob } },
    ]);
    refused(
      [added, { type: 'ContactRemoved', data: { address: bob } }],
      { type: 'RemoveContact', address: bob },
      'NOT_FOUND',
    );
  });

  it('should block and unblock anyone, idempotently', () => {
    const blocked: ContactsEvent = { type: 'ContactBlocked', data: { address: bob } };
    assert.deepEqual(when([], { type: 'Block', owner: me, address: bob }), [blocked]);
    assert.deepEqual(when([blocked], { type: 'Block', owner: me, address: bob }), []);
    assert.deepEqual(when([blocked], { type: 'Unblock', address: bob }), [
      { type: 'ContactUnblocked', data: { address: bob } },
    ]);
    assert.deepEqual(when([], { type: 'Unblock', address: bob }), []);
  });

  it('should set do-not-disturb and the non-contact call policy', () => {
    assert.deepEqual(when([], { type: 'SetDoNotDisturb', on: true }), [
      { type: 'DoNotDisturbSet', data: { on: true } },
    ]);
    assert.deepEqual(when([], { type: 'SetNonContactCalls', policy: 'silence' }), [
      { type: 'NonContactCallsSet', data: { policy: 'silence' } },
    ]);
    refused([], { type: 'SetNonContactCalls', policy: 'loud' as never }, 'BAD_INPUT');
  });

  it('should accept a pending message request as a new contact, and refuse one that is not pending', () => {
    assert.deepEqual(
      when([], { type: 'AcceptMessageRequest', address: bob, nickname: 'Bob', pending: true }),
      [{ type: 'MessageRequestAccepted', data: { address: bob, nickname: 'Bob' } }],
    );
    assert.equal(
      given([{ type: 'MessageRequestAccepted', data: { address: bob, nickname: 'Bob' } }]).contacts.has(bob),
      true,
    );
    refused([], { type: 'AcceptMessageRequest', address: bob, nickname: 'Bob', pending: false }, 'NOT_FOUND');
    refused([], { type: 'DeclineMessageRequest', address: bob, pending: false }, 'NOT_FOUND');
  });
});
