import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { contactsStream } from '../../events/contacts/events.ts';
import { unreadCount } from '../../events/messages/projection.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { givenApplication, identity } from '../../test/support/application.ts';

const refusedWith = (code: string) => (e: unknown) => e instanceof DomainError && e.code === code;

describe('message commands', () => {
  const ada = identity('Ada');
  const bob = identity('Bob');
  const registered = [...ada.registered, ...bob.registered];

  it('should withhold a message to someone who blocked the sender: only the sender sees it', async () => {
    const t = await givenApplication([
      ...registered,
      { stream: contactsStream(bob.address), type: 'ContactBlocked', data: { address: ada.address } },
    ]);
    const id = randomUUID();
    const sent = await t.commands.messages.send(ada.viewer, { id, to: bob.address, body: 'hello?' }, {});
    assert.equal(sent.withheld, true);
    const [event, ...rest] = await t.appended();
    assert.deepEqual(rest, []);
    assert.equal(event?.type, 'MessageSent');
    assert.deepEqual(event?.data, {
      messageId: id,
      from: ada.address,
      to: bob.address,
      body: 'hello?',
      withheld: true,
    });
    assert.equal(t.queries.messages.conversations(bob.viewer).length, 0, 'the recipient has no conversation');
    assert.equal(t.queries.messages.conversations(ada.viewer).length, 1);
    const feedOf = (address: string) =>
      t.app.services.feed.positionsOf(address, event!.position - 1, event!.position, 10);
    assert.deepEqual(feedOf(ada.address), [event!.position]);
    assert.deepEqual(feedOf(bob.address), [], 'not in the recipient’s feed');
    await t.close();
  });

  it('should refuse a send over the rate limit and append nothing', async () => {
    const t = await givenApplication(registered, {
      env: { MESSAGE_RATE_BURST: '1', MESSAGE_RATE_PER_MINUTE: '1' },
    });
    await t.commands.messages.send(ada.viewer, { id: randomUUID(), to: bob.address, body: 'one' }, {});
    const head = await t.log.head();
    await assert.rejects(
      t.commands.messages.send(ada.viewer, { id: randomUUID(), to: bob.address, body: 'two' }, {}),
      refusedWith('RATE_LIMITED'),
    );
    assert.equal(await t.log.head(), head);
    await t.close();
  });

  it('should take a retried send as the same message, and a reused id for another as CONFLICT', async () => {
    const t = await givenApplication(registered);
    const input = { id: randomUUID(), to: bob.address, body: 'once' };
    const first = await t.commands.messages.send(ada.viewer, input, {});
    const again = await t.commands.messages.send(ada.viewer, { ...input, id: input.id.toUpperCase() }, {});
    assert.equal(again, first);
    await assert.rejects(
      t.commands.messages.send(ada.viewer, { ...input, body: 'other' }, {}),
      refusedWith('CONFLICT'),
    );
    assert.equal((await t.appended()).length, 1);
    await t.close();
  });

  it('should refuse a message to nobody, and receipts ahead of the peer’s messages move only to them', async () => {
    const t = await givenApplication(registered);
    const nobody = identity('Nobody').address;
    await assert.rejects(
      t.commands.messages.send(ada.viewer, { id: randomUUID(), to: nobody, body: 'hi' }, {}),
      refusedWith('NOT_FOUND'),
    );
    assert.deepEqual(await t.appended(), []);
    const m = await t.commands.messages.send(
      ada.viewer,
      { id: randomUUID(), to: bob.address, body: 'hi' },
      {},
    );
    const c = await t.commands.messages.acknowledge(
      bob.viewer,
      'MarkRead',
      ada.address,
      m.position + 100,
      {},
    );
    assert.equal(c?.readUpTo, m.position);
    await t.commands.messages.acknowledge(bob.viewer, 'MarkDelivered', ada.address, m.position, {});
    assert.deepEqual(
      (await t.appended()).map((e) => e.type),
      ['MessageSent', 'MessagesRead'],
      'delivery is implied by the read receipt',
    );
    await t.close();
  });
});

describe('unread counts', () => {
  const ada = identity('Ada');
  const bob = identity('Bob');

  it('should not count a message deleted for everyone as unread for its recipient', async () => {
    const t = await givenApplication([...ada.registered, ...bob.registered]);
    const kept = randomUUID();
    const gone = randomUUID();
    await t.commands.messages.send(ada.viewer, { id: kept, to: bob.address, body: 'stays' }, {});
    await t.commands.messages.send(ada.viewer, { id: gone, to: bob.address, body: 'oops' }, {});
    const unread = () => unreadCount(t.queries.messages.conversationOf(bob.address, ada.address)!);
    assert.equal(unread(), 2);
    await t.commands.messages.delete(ada.viewer, gone, {});
    assert.equal(unread(), 1);
    await t.close();
  });
});
