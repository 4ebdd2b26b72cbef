import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codeOf, gql, register, send, type TestIdentity } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { errorCodes, RawSocket } from '../support/raw-ws.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const FEED = 'subscription($after: Position) { feed(after: $after) { __typename position } }';
const HISTORY =
  'query($with: String!, $before: Position) { messages(with: $with, before: $before) { hasMore } }';

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`log positions from clients (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let ada: TestIdentity;
    let bob: TestIdentity;
    before(async () => {
      if (skip) return;
      s = await startServer(mode);
      ada = await register(s.url, 'Ada');
      bob = await register(s.url, 'Bob');
      await send(s.url, bob, ada.address, 'hello');
    });
    after(async () => {
      if (!skip) await s.close();
    });

    it('should refuse a feed cursor past the end of the log with CURSOR_AHEAD for that id and keep the socket when it subscribes', {
      skip,
    }, async () => {
      const head = await s.app.log.head();
      const socket = await RawSocket.open(s.wsUrl, ada.token);
      try {
        socket.subscribe('live', FEED, { after: head });
        socket.subscribe('ahead', FEED, { after: head + 1000 });
        const answer = await socket.answerTo('ahead');
        assert.deepEqual(errorCodes(answer), ['CURSOR_AHEAD']);
        assert.match(JSON.stringify(answer.payload), /resync/);
        // The same socket's valid feed (after the head) still delivers what comes next.
        const sent = await send(s.url, bob, ada.address, 'next');
        const item = await socket.waitFor((m) => m.id === 'live' && m.type === 'next');
        assert.deepEqual((item.payload as { data: unknown }).data, {
          feed: { __typename: 'MessageAdded', position: sent.data!.sendMessage.position },
        });
        assert.ok(socket.isOpen);
      } finally {
        socket.close();
      }
    });

    it('should refuse a history cursor past the end of the log with CURSOR_AHEAD over HTTP', {
      skip,
    }, async () => {
      const head = await s.app.log.head();
      const ahead = await gql(s.url, HISTORY, { with: bob.address, before: head + 1000 }, ada.token);
      assert.equal(codeOf(ahead), 'CURSOR_AHEAD', JSON.stringify(ahead.errors));
      const atHead = await gql(s.url, HISTORY, { with: bob.address, before: head }, ada.token);
      assert.equal(atHead.errors, undefined);
    });

    it('should refuse negative, fractional, huge and non-numeric positions with BAD_INPUT, as variables and inline', {
      skip,
    }, async () => {
      const head = await s.app.log.head();
      const socket = await RawSocket.open(s.wsUrl, ada.token);
      try {
        for (const [i, bad] of [-1, 1.5, 2 ** 53, 1e30, '5', true].entries()) {
          const http = await gql(s.url, HISTORY, { with: bob.address, before: bad }, ada.token);
          assert.equal(codeOf(http), 'BAD_INPUT', `${bad}: ${JSON.stringify(http.errors)}`);
          const inline = await gql(
            s.url,
            `{ messages(with: "${bob.address}", before: ${JSON.stringify(bad)}) { hasMore } }`,
            {},
            ada.token,
          );
          assert.equal(codeOf(inline), 'BAD_INPUT', `${bad} inline: ${JSON.stringify(inline.errors)}`);
          socket.subscribe(`v${i}`, FEED, { after: bad });
          assert.deepEqual(errorCodes(await socket.answerTo(`v${i}`)), ['BAD_INPUT'], String(bad));
          socket.subscribe(`l${i}`, `subscription { feed(after: ${JSON.stringify(bad)}) { position } }`);
          assert.deepEqual(errorCodes(await socket.answerTo(`l${i}`)), ['BAD_INPUT'], `${bad} inline`);
        }
      } finally {
        socket.close();
      }
      assert.equal(await s.app.log.head(), head, 'refusals append nothing');
    });
  });
}

describe('a feed cursor from another node of the same log', async () => {
  const skip = await skipWithoutPostgres();
  it('should be taken when this node has not folded that position in yet but the log has it', {
    skip,
  }, async () => {
    const a = await startServer('postgres');
    const b = await startServer('postgres', {}, { db: a.db! });
    try {
      const ada = await register(a.url, 'Ada');
      const bob = await register(a.url, 'Bob');
      // Node B's read models stop: the log moves on without them, as with a node that lags.
      await b.app.readModels.sync();
      await b.app.readModels.stop();
      const sent = await send(a.url, bob, ada.address, 'from node A');
      const position = sent.data!.sendMessage.position as number;
      assert.ok(b.app.readModels.position < position, 'node B has not seen it');
      await b.app.services.feed.checkCursor(position);
      await assert.rejects(b.app.services.feed.checkCursor(position + 1), { code: 'CURSOR_AHEAD' });
    } finally {
      await b.close();
      await a.close();
    }
  });
});
