import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callToken, FeedReader, gql, PLACE_CALL, register, send, wsClient } from '../support/client.ts';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../support/postgres.ts';
import { spawnServer } from '../support/process.ts';
import { startServer } from '../support/server.ts';

const HISTORY = 'query($w: String!) { messages(with: $w) { messages { body status } } }';

describe('one feed across restarts and nodes (PostgreSQL)', async () => {
  const skip = await skipWithoutPostgres();
  let db: TestDatabase;
  before(async () => {
    if (!skip) db = await createTestDatabase();
  });
  after(async () => {
    if (!skip) await db.drop();
  });

  it('should resume a feed after a server restart from the last position, without gap or repeat', {
    skip,
  }, async () => {
    const first = await startServer('postgres', {}, { db });
    const ada = await register(first.url, 'Ada');
    const bob = await register(first.url, 'Bob');
    const ws = wsClient(first.wsUrl, bob.token);
    const feed = new FeedReader(ws.client);
    await send(first.url, ada, bob.address, 'before restart');
    const seen = await feed.next((i) => i.__typename === 'MessageAdded');
    await ws.client.dispose();
    await first.close();

    const second = await startServer('postgres', {}, { db });
    try {
      await send(second.url, ada, bob.address, 'while you were away 1');
      await send(second.url, ada, bob.address, 'while you were away 2');
      const ws2 = wsClient(second.wsUrl, bob.token);
      const resumed = new FeedReader(ws2.client, seen.position);
      const a = await resumed.next((i) => i.__typename === 'MessageAdded');
      const b = await resumed.next((i) => i.__typename === 'MessageAdded');
      assert.deepEqual([a.message.body, b.message.body], ['while you were away 1', 'while you were away 2']);
      await send(second.url, ada, bob.address, 'live again');
      const c = await resumed.next((i) => i.__typename === 'MessageAdded');
      assert.equal(c.message.body, 'live again');
      const bodies = resumed.seen.filter((i) => i.__typename === 'MessageAdded').map((i) => i.message.body);
      assert.deepEqual(
        bodies,
        ['while you were away 1', 'while you were away 2', 'live again'],
        'nothing repeated',
      );
      await ws2.client.dispose();
    } finally {
      await second.close();
    }
  });

  it('should carry messages and receipts between two server processes sharing PostgreSQL', {
    skip,
  }, async () => {
    const nodeA = await spawnServer({ DATABASE_URL: db.url });
    const nodeB = await spawnServer({ DATABASE_URL: db.url });
    try {
      const ada = await register(nodeA.url, 'Ada');
      const bob = await register(nodeB.url, 'Bob');
      const adaWs = wsClient(nodeA.wsUrl, ada.token);
      const bobWs = wsClient(nodeB.wsUrl, bob.token);
      const adaFeed = new FeedReader(adaWs.client);
      const bobFeed = new FeedReader(bobWs.client);
      // Ada (node A) writes to Bob (node B): Bob's node learns of it through the log.
      const sent = (await send(nodeA.url, ada, bob.address, 'across nodes')).data!.sendMessage;
      const got = await bobFeed.next((i) => i.__typename === 'MessageAdded');
      assert.equal(got.message.id, sent.id);
      await gql(
        nodeB.url,
        'mutation($p: String!, $u: Position!) { markDelivered(peer: $p, upTo: $u) }',
        { p: ada.address, u: got.position },
        bob.token,
      );
      const delivered = await adaFeed.next((i) => i.__typename === 'ReceiptsChanged');
      assert.equal(delivered.deliveredUpTo, sent.position);
      await gql(
        nodeB.url,
        'mutation($p: String!, $u: Position!) { markRead(peer: $p, upTo: $u) }',
        { p: ada.address, u: got.position },
        bob.token,
      );
      const read = await adaFeed.next((i) => i.__typename === 'ReceiptsChanged' && i.readUpTo > 0);
      assert.equal(read.readUpTo, sent.position);
      const onA = await gql(nodeA.url, HISTORY, { w: bob.address }, ada.token);
      assert.deepEqual(onA.data?.messages.messages, [{ body: 'across nodes', status: 'READ' }]);

      // Bob switches to node A and resumes from his last position: what came meanwhile, once.
      await bobWs.client.dispose();
      await send(nodeA.url, ada, bob.address, 'after the switch');
      const bobOnA = wsClient(nodeA.wsUrl, bob.token);
      const switched = new FeedReader(bobOnA.client, read.position);
      const next = await switched.next((i) => i.__typename === 'MessageAdded');
      assert.equal(next.message.body, 'after the switch');

      // Signing out on node B closes the session's sockets on node A too.
      await gql(nodeB.url, 'mutation { signOut }', {}, bob.token);
      assert.equal((await bobOnA.closed).code, 4403);
      await adaWs.client.dispose();
    } finally {
      assert.equal(await nodeA.stop(), 0);
      assert.equal(await nodeB.stop(), 0);
    }
  });
  it('should let at most one of two calls placed at once on two nodes ring the same callee', {
    skip,
  }, async () => {
    const nodeA = await startServer('postgres', {}, { db });
    const nodeB = await startServer('postgres', {}, { db });
    try {
      for (let round = 0; round < 5; round++) {
        const ada = await register(nodeA.url, 'Ada');
        const bob = await register(nodeA.url, 'Bob');
        const cat = await register(nodeA.url, 'Cat');
        const placed = await Promise.all([
          gql(nodeA.url, PLACE_CALL, { input: callToken(ada, bob.address) }, ada.token),
          gql(nodeB.url, PLACE_CALL, { input: callToken(cat, bob.address) }, cat.token),
        ]);
        const statuses = placed.map((r) => r.data?.placeCall.status ?? JSON.stringify(r.errors)).sort();
        assert.deepEqual(statuses, ['BUSY', 'PLACED'], `round ${round}: one rings, the other is busy`);
      }
    } finally {
      await nodeB.close();
      await nodeA.close();
    }
  });
});
