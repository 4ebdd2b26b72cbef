import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CACHE_LIMITS, OfflineCache } from './cache.ts';
import { Chats } from './chats.ts';
import type { FeedItem } from './feed.ts';
import { MemoryStore } from './kv.ts';

const ME = 'cv1me';

const added = (peer: string, position: number, outgoing: boolean, body = `hello ${position}`): FeedItem => ({
  __typename: 'MessageAdded',
  position,
  at: position,
  message: {
    id: `${peer}-${position}`,
    position,
    from: outgoing ? ME : peer,
    to: outgoing ? peer : ME,
    body,
    sentAt: position,
    outgoing,
    status: outgoing ? 'SENT' : null,
  },
});

describe('saved view of the chats (offline reading)', () => {
  it('should restore conversations, messages, unread counts and marks as they were', () => {
    const chats = new Chats(ME);
    chats.apply(added('cv1a', 1, true), null);
    chats.apply(added('cv1a', 2, false), null);
    chats.apply(added('cv1b', 3, false), null);
    chats.apply(
      {
        __typename: 'ReceiptsChanged',
        by: 'cv1a',
        peer: ME,
        deliveredUpTo: 1,
        readUpTo: 1,
        position: 4,
        at: 4,
      },
      null,
    );
    const restored = Chats.restore(ME, structuredClone(chats.snapshot(CACHE_LIMITS)));
    assert.deepEqual(restored.conversations(), chats.conversations());
    assert.deepEqual(restored.messages('cv1a'), chats.messages('cv1a'));
    assert.equal(restored.messages('cv1a')[0]?.status, 'READ');
    assert.equal(restored.conversation('cv1b')?.unreadCount, 1);
    // Everything was in the snapshot, and no older page was known: none is offered.
    assert.equal(restored.olderCursor('cv1a'), null);
    // What arrives again after the reconnect is merged, not doubled, and not counted unread twice.
    restored.apply(added('cv1b', 3, false), null);
    restored.apply(added('cv1b', 5, false), null);
    assert.deepEqual(
      restored.messages('cv1b').map((m) => m.position),
      [3, 5],
    );
    assert.equal(restored.conversation('cv1b')?.unreadCount, 2);
  });

  it("should let the server's newest page replace saved messages it does not reach (no gap)", () => {
    const chats = new Chats(ME);
    for (let p = 1; p <= 4; p++) chats.apply(added('cv1a', p, false), null);
    const restored = Chats.restore(ME, chats.snapshot(CACHE_LIMITS));
    const page = [10, 11].map((position) => ({
      id: `cv1a-${position}`,
      position,
      from: 'cv1a',
      body: `hello ${position}`,
      sentAt: position,
      editedAt: null,
      deleted: false,
      outgoing: false,
      status: null,
    }));
    // Older pages exist (before 10): what lay between 4 and 10 is not shown, so 1–4 go.
    restored.addHistory('cv1a', page, 10);
    assert.deepEqual(
      restored.messages('cv1a').map((m) => m.position),
      [10, 11],
    );
    assert.equal(restored.olderCursor('cv1a'), 10);
    // A page that is the whole history: what is not in it is gone (deleted, declined).
    const whole = Chats.restore(ME, chats.snapshot(CACHE_LIMITS));
    whole.addHistory('cv1a', page.slice(1), null);
    assert.deepEqual(
      whole.messages('cv1a').map((m) => m.position),
      [11],
    );
    // Only the first page after the restore does this: older pages merge as usual.
    whole.addHistory('cv1a', page.slice(0, 1), null);
    assert.deepEqual(
      whole.messages('cv1a').map((m) => m.position),
      [10, 11],
    );
  });

  it('should keep only the newest conversations and messages, within the text budget', () => {
    const chats = new Chats(ME);
    let position = 0;
    for (const peer of ['cv1old', 'cv1mid', 'cv1new']) {
      for (let i = 0; i < 5; i++) chats.apply(added(peer, ++position, false, 'x'.repeat(10)), null);
    }
    const few = chats.snapshot({ conversations: 2, messagesPerConversation: 3, bodyChars: 1000 });
    // What was left out is offered as older history, from the first message kept.
    assert.equal(Chats.restore(ME, few).olderCursor('cv1new'), 13);
    assert.deepEqual(
      few.conversations.map((c) => c.peer),
      ['cv1new', 'cv1mid'],
    );
    assert.deepEqual(
      few.messages.map(([peer, list]) => [peer, list.map((m) => m.position)]),
      [
        ['cv1new', [13, 14, 15]],
        ['cv1mid', [8, 9, 10]],
      ],
    );
    // 45 characters: the newest conversation's 3 (30) and one more (10); nothing older.
    const tight = chats.snapshot({ conversations: 3, messagesPerConversation: 5, bodyChars: 45 });
    assert.deepEqual(
      tight.messages.map(([peer, list]) => [peer, list.map((m) => m.position)]),
      [['cv1new', [12, 13, 14, 15]]],
    );
  });

  it('should save once per burst, per identity, and forget it on clear', async () => {
    const kv = new MemoryStore();
    let writes = 0;
    const set = kv.set.bind(kv);
    kv.set = async (key, value) => {
      writes++;
      await set(key, value);
    };
    const cache = new OfflineCache(kv, 'cv1me', 10_000);
    for (let i = 1; i <= 3; i++) {
      cache.schedule(() => ({
        contacts: [],
        blocked: [`cv1b${i}`],
        chats: new Chats(ME).snapshot(CACHE_LIMITS),
      }));
    }
    await cache.flush();
    assert.equal(writes, 1);
    assert.deepEqual((await cache.load())?.blocked, ['cv1b3']);
    assert.equal(await new OfflineCache(kv, 'cv1other').load(), undefined);
    await cache.clear();
    assert.equal(await cache.load(), undefined);
    assert.equal(kv.data.size, 0);
  });
});
