import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chats } from './chats.ts';
import type { FeedItem } from './feed.ts';

const ME = 'cv1me';
const PEER = 'cv1peer';

const added = (position: number, outgoing: boolean): FeedItem => ({
  __typename: 'MessageAdded',
  position,
  at: position,
  message: {
    id: `m${position}`,
    position,
    from: outgoing ? ME : PEER,
    to: outgoing ? PEER : ME,
    body: `hello ${position}`,
    sentAt: position,
    outgoing,
    status: outgoing ? 'SENT' : null,
  },
});

describe('Chats', () => {
  it('should count unread messages only for conversations not on screen, once each', () => {
    const chats = new Chats(ME);
    chats.apply(added(1, false), null);
    chats.apply(added(2, false), null);
    chats.apply(added(2, false), null);
    assert.equal(chats.conversation(PEER)?.unreadCount, 2);
    chats.apply(added(3, false), PEER);
    assert.equal(chats.conversation(PEER)?.unreadCount, 2);
    assert.equal(chats.conversation(PEER)?.last?.body, 'hello 3');
    assert.equal(chats.lastIncoming(PEER), 3);
  });

  it('should turn our messages delivered then read as the peer acknowledges them', () => {
    const chats = new Chats(ME);
    chats.apply(added(10, true), PEER);
    chats.apply(added(12, true), PEER);
    const statuses = () => chats.messages(PEER).map((m) => m.status);
    assert.deepEqual(statuses(), ['SENT', 'SENT']);
    const receipt = (deliveredUpTo: number, readUpTo: number): FeedItem => ({
      __typename: 'ReceiptsChanged',
      by: PEER,
      peer: ME,
      deliveredUpTo,
      readUpTo,
      position: 20,
      at: 20,
    });
    chats.apply(receipt(12, 0), PEER);
    assert.deepEqual(statuses(), ['DELIVERED', 'DELIVERED']);
    chats.apply(receipt(12, 10), PEER);
    assert.deepEqual(statuses(), ['READ', 'DELIVERED']);
  });

  it('should show outbox messages as pending (or failed) after the known ones, and not twice', () => {
    const chats = new Chats(ME);
    chats.apply(added(1, false), PEER);
    const outbox = [
      { id: 'm1', to: PEER, body: 'dup', createdAt: 5 },
      { id: 'p', to: PEER, body: 'waiting', createdAt: 6 },
      { id: 'f', to: PEER, body: 'refused', createdAt: 7, failed: 'no' },
      { id: 'x', to: 'cv1other', body: 'elsewhere', createdAt: 8 },
    ];
    assert.deepEqual(
      chats.messages(PEER, outbox).map((m) => [m.id, m.status]),
      [
        ['m1', null],
        ['p', 'PENDING'],
        ['f', 'FAILED'],
      ],
    );
  });

  it('should recount unread from our own read receipt (read on another device)', () => {
    const chats = new Chats(ME);
    for (const p of [1, 2, 3]) chats.apply(added(p, false), null);
    chats.apply(
      {
        __typename: 'ReceiptsChanged',
        by: ME,
        peer: PEER,
        deliveredUpTo: 3,
        readUpTo: 2,
        position: 9,
        at: 9,
      },
      null,
    );
    assert.equal(chats.conversation(PEER)?.unreadCount, 1);
  });

  it('should keep the history cursor furthest back when the newest page is loaded again', () => {
    const chats = new Chats(ME);
    const page = (from: number) =>
      [from, from + 1].map((p) => ({
        id: `h${p}`,
        position: p,
        from: PEER,
        body: `old ${p}`,
        sentAt: p,
        editedAt: null,
        deleted: false,
        outgoing: false,
        status: null,
      }));
    chats.addHistory(PEER, page(50), 50);
    assert.equal(chats.olderCursor(PEER), 50);
    chats.addHistory(PEER, page(10), 10);
    chats.addHistory(PEER, page(50), 50);
    assert.equal(chats.olderCursor(PEER), 10);
    chats.addHistory(PEER, page(1), null);
    assert.equal(chats.olderCursor(PEER), null);
    chats.addHistory(PEER, page(50), 50);
    assert.equal(chats.olderCursor(PEER), null, 'everything is loaded already');
    assert.deepEqual(
      chats.messages(PEER).map((m) => m.position),
      [1, 2, 10, 11, 50, 51],
    );
  });
});
