import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../events/shared/errors.ts';
import { givenApplication, identity } from '../../test/support/application.ts';

const refusedWith = (code: string) => (e: unknown) => e instanceof DomainError && e.code === code;

describe('contact commands', () => {
  const ada = identity('Ada');
  const bob = identity('Bob');

  it('should add a registered identity as a contact, with its display name', async () => {
    const t = await givenApplication([...ada.registered, ...bob.registered]);
    const contact = await t.commands.contacts.add(ada.viewer, bob.address, 'Bobby', {});
    assert.deepEqual(contact, {
      address: bob.address,
      nickname: 'Bobby',
      alwaysAllowed: false,
      displayName: 'Bob',
    });
    assert.deepEqual(
      (await t.appended()).map((e) => e.type),
      ['ContactAdded'],
    );
    await t.close();
  });

  it('should refuse to block nobody, or a malformed address, and append nothing', async () => {
    const t = await givenApplication(ada.registered);
    await assert.rejects(t.commands.contacts.block(ada.viewer, bob.address, {}), refusedWith('NOT_FOUND'));
    await assert.rejects(
      t.commands.contacts.block(ada.viewer, 'cv1nope', {}),
      refusedWith('ADDRESS_INVALID'),
    );
    assert.deepEqual(await t.appended(), []);
    await t.close();
  });

  it('should show a message from a stranger as a request until accepted', async () => {
    const t = await givenApplication([...ada.registered, ...bob.registered]);
    await t.commands.messages.send(bob.viewer, { id: crypto.randomUUID(), to: ada.address, body: 'hi' }, {});
    assert.equal(t.queries.contacts.isRequest(ada.address, bob.address), true);
    await t.commands.contacts.acceptRequest(ada.viewer, bob.address, null, {});
    assert.equal(t.queries.contacts.isRequest(ada.address, bob.address), false);
    assert.equal(
      t.queries.contacts.nicknameOf(ada.address, bob.address),
      'Bob',
      'named after the display name',
    );
    await t.close();
  });
});
