import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Sink, Subscribe } from './api.ts';
import { FeedFollower, type FeedItem } from './feed.ts';
import { MemoryStore } from './kv.ts';

const item = (position: number): FeedItem => ({
  __typename: 'SessionEnded',
  sessionId: `s${position}`,
  position,
  at: position,
});

/** A fake socket: records each (re)subscription's variables as sent, and its sink. */
function fakeSocket() {
  const subs: {
    variables: () => Record<string, unknown>;
    sink: Sink<{ feed: FeedItem }>;
    stopped: boolean;
  }[] = [];
  const subscribe: Subscribe = (_query, variables, sink) => {
    const sub = { variables, sink: sink as Sink<{ feed: FeedItem }>, stopped: false };
    subs.push(sub);
    return () => {
      sub.stopped = true;
    };
  };
  return { subs, subscribe };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('FeedFollower', () => {
  it('should resume after the position persisted by an earlier page', async () => {
    const kv = new MemoryStore();
    await kv.set('feed-position', 41);
    const socket = fakeSocket();
    const feed = new FeedFollower({
      query: 'q',
      subscribe: socket.subscribe,
      kv,
      onItem: () => {},
      onResync: async () => {},
      onError: assert.fail,
    });
    await feed.start();
    assert.deepEqual(socket.subs[0]!.variables(), { after: 41 });
  });

  it('should apply each item once, in order, and ask for what follows the last one on resubscribe', async () => {
    const kv = new MemoryStore();
    const socket = fakeSocket();
    const seen: number[] = [];
    const feed = new FeedFollower({
      query: 'q',
      subscribe: socket.subscribe,
      kv,
      onItem: (i) => {
        seen.push(i.position);
      },
      onResync: async () => {},
      onError: assert.fail,
    });
    await feed.start();
    const { sink, variables } = socket.subs[0]!;
    for (const p of [3, 5, 5, 4, 9]) sink.next({ data: { feed: item(p) } });
    await settle();
    assert.deepEqual(seen, [3, 5, 9]);
    // graphql-ws re-sends the same payload after a reconnect: its variables are read then.
    assert.deepEqual(variables(), { after: 9 });
    assert.equal(await kv.get('feed-position'), 9);
  });

  it('should resync on CURSOR_AHEAD: drop the position, refetch, and follow from the start', async () => {
    const kv = new MemoryStore();
    await kv.set('feed-position', 500);
    const socket = fakeSocket();
    let resyncs = 0;
    const feed = new FeedFollower({
      query: 'q',
      subscribe: socket.subscribe,
      kv,
      onItem: () => {},
      onResync: async () => {
        resyncs++;
      },
      onError: assert.fail,
    });
    await feed.start();
    socket.subs[0]!.sink.next({ errors: [{ message: 'ahead', extensions: { code: 'CURSOR_AHEAD' } }] });
    await settle();
    assert.equal(resyncs, 1);
    assert.equal(socket.subs[0]!.stopped, true);
    assert.equal(socket.subs.length, 2);
    assert.deepEqual(socket.subs[1]!.variables(), { after: 0 });
    assert.equal(await kv.get('feed-position'), 0);
  });
});
