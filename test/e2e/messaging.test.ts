import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  codeOf,
  FeedReader,
  gql,
  register,
  send,
  subscribe,
  TestIdentity,
  wsClient,
} from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const CONVERSATIONS =
  '{ conversations { peer nickname displayName isRequest unreadCount lastMessage { body } } }';
const HISTORY = `query($w: String!, $before: Position, $last: Int) {
  messages(with: $w, before: $before, last: $last) { hasMore before messages { id body status position deleted editedAt } }
}`;

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`contacts and messaging (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    before(async () => {
      if (!skip)
        s = await startServer(mode, { MESSAGE_RATE_BURST: '1000', MESSAGE_RATE_PER_MINUTE: '60000' });
    });
    after(async () => {
      if (!skip) await s.close();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);
    const appendsNothing = async (fn: () => Promise<void>) => {
      const head = await s.app.log.head();
      await fn();
      assert.equal(await s.app.log.head(), head, 'the log must not change');
    };

    test('should manage contacts and settings, synced to the owner’s feed', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const ws = wsClient(s.wsUrl, ada.token);
      const feed = new FeedReader(ws.client);
      const add = await gql(
        s.url,
        'mutation($a: String!) { addContact(address: $a, nickname: "Bobby") { address nickname displayName alwaysAllowed } }',
        { a: bob.address },
        ada.token,
      );
      assert.deepEqual(add.data?.addContact, {
        address: bob.address,
        nickname: 'Bobby',
        displayName: 'Bob',
        alwaysAllowed: false,
      });
      assert.deepEqual(await feed.next((i) => i.__typename === 'AddressBookChanged'), {
        __typename: 'AddressBookChanged',
        position: feed.seen.at(-1).position,
        change: 'ContactAdded',
        address: bob.address,
      });
      await gql(
        s.url,
        'mutation($a: String!) { renameContact(address: $a, nickname: "B.") { nickname } }',
        { a: bob.address },
        ada.token,
      );
      await gql(
        s.url,
        'mutation($a: String!) { setAlwaysAllowed(address: $a, alwaysAllowed: true) { alwaysAllowed } }',
        { a: bob.address },
        ada.token,
      );
      await gql(s.url, 'mutation { setDoNotDisturb(on: true) { doNotDisturb } }', {}, ada.token);
      await gql(s.url, 'mutation { setNonContactCalls(policy: SILENCE) { nonContactCalls } }', {}, ada.token);
      const state = await gql(
        s.url,
        '{ contacts { nickname alwaysAllowed } settings { doNotDisturb nonContactCalls blocked } }',
        {},
        ada.token,
      );
      assert.deepEqual(state.data, {
        contacts: [{ nickname: 'B.', alwaysAllowed: true }],
        settings: { doNotDisturb: true, nonContactCalls: 'SILENCE', blocked: [] },
      });
      await appendsNothing(async () => {
        const dup = await gql(
          s.url,
          'mutation($a: String!) { addContact(address: $a, nickname: "again") { address } }',
          { a: bob.address },
          ada.token,
        );
        assert.equal(codeOf(dup), 'CONFLICT');
        const self = await gql(
          s.url,
          'mutation($a: String!) { addContact(address: $a, nickname: "me") { address } }',
          { a: ada.address },
          ada.token,
        );
        assert.equal(codeOf(self), 'BAD_INPUT');
        const typo = await gql(
          s.url,
          'mutation($a: String!) { addContact(address: $a, nickname: "x") { address } }',
          { a: `${bob.address.slice(0, -1)}${bob.address.endsWith('a') ? 'b' : 'a'}` },
          ada.token,
        );
        assert.equal(codeOf(typo), 'ADDRESS_INVALID');
      });
      await gql(s.url, 'mutation($a: String!) { removeContact(address: $a) }', { a: bob.address }, ada.token);
      assert.deepEqual((await gql(s.url, '{ contacts { address } }', {}, ada.token)).data, { contacts: [] });
      await ws.client.dispose();
    });

    test('should show the sender sent → delivered → read live, and count unread', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      await gql(
        s.url,
        'mutation($a: String!) { addContact(address: $a, nickname: "Ada") { address } }',
        { a: ada.address },
        bob.token,
      );
      const adaWs = wsClient(s.wsUrl, ada.token);
      const bobWs = wsClient(s.wsUrl, bob.token);
      const adaFeed = new FeedReader(adaWs.client);
      const bobFeed = new FeedReader(bobWs.client);
      const m1 = (await send(s.url, ada, bob.address, 'hello')).data!.sendMessage;
      const m2 = (await send(s.url, ada, bob.address, 'are you there?')).data!.sendMessage;
      assert.equal(m1.status, 'SENT');
      const got = await bobFeed.next((i) => i.__typename === 'MessageAdded' && i.message.id === m2.id);
      assert.equal(got.message.body, 'are you there?');
      const list = await gql(s.url, CONVERSATIONS, {}, bob.token);
      assert.deepEqual(list.data?.conversations, [
        {
          peer: ada.address,
          nickname: 'Ada',
          displayName: 'Ada',
          isRequest: false,
          unreadCount: 2,
          lastMessage: { body: 'are you there?' },
        },
      ]);
      await gql(
        s.url,
        'mutation($p: String!, $u: Position!) { markDelivered(peer: $p, upTo: $u) }',
        { p: ada.address, u: m2.position },
        bob.token,
      );
      const delivered = await adaFeed.next((i) => i.__typename === 'ReceiptsChanged');
      assert.deepEqual(
        [delivered.by, delivered.deliveredUpTo, delivered.readUpTo],
        [bob.address, m2.position, 0],
      );
      const h1 = await gql(s.url, HISTORY, { w: bob.address }, ada.token);
      assert.deepEqual(
        h1.data?.messages.messages.map((m: any) => m.status),
        ['DELIVERED', 'DELIVERED'],
      );
      await gql(
        s.url,
        'mutation($p: String!, $u: Position!) { markRead(peer: $p, upTo: $u) }',
        { p: ada.address, u: m1.position },
        bob.token,
      );
      const read = await adaFeed.next((i) => i.__typename === 'ReceiptsChanged' && i.readUpTo > 0);
      assert.equal(read.readUpTo, m1.position);
      const h2 = await gql(s.url, HISTORY, { w: bob.address }, ada.token);
      assert.deepEqual(
        h2.data?.messages.messages.map((m: any) => m.status),
        ['READ', 'DELIVERED'],
      );
      assert.equal((await gql(s.url, CONVERSATIONS, {}, bob.token)).data?.conversations[0].unreadCount, 1);
      await appendsNothing(async () => {
        // Receipts only move forward.
        await gql(
          s.url,
          'mutation($p: String!, $u: Position!) { markRead(peer: $p, upTo: $u) }',
          { p: ada.address, u: m1.position },
          bob.token,
        );
      });
      await adaWs.client.dispose();
      await bobWs.client.dispose();
    });

    test('should deliver to every device of the recipient and keep the sender’s devices in sync', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const devices = [
        wsClient(s.wsUrl, bob.token),
        wsClient(s.wsUrl, bob.token),
        wsClient(s.wsUrl, ada.token),
      ];
      const feeds = devices.map((d) => new FeedReader(d.client));
      const m = (await send(s.url, ada, bob.address, 'to all devices')).data!.sendMessage;
      for (const f of feeds)
        assert.equal((await f.next((i) => i.__typename === 'MessageAdded')).message.id, m.id);
      for (const d of devices) await d.client.dispose();
    });

    test('should treat the same message id twice as one message', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const id = randomUUID();
      const [a, b] = await Promise.all([
        send(s.url, ada, bob.address, 'once', id),
        send(s.url, ada, bob.address, 'once', id),
      ]);
      assert.equal(a.data?.sendMessage.position, b.data?.sendMessage.position);
      const again = await send(s.url, ada, bob.address, 'once', id);
      assert.equal(again.data?.sendMessage.position, a.data?.sendMessage.position);
      const h = await gql(s.url, HISTORY, { w: ada.address }, bob.token);
      assert.equal(h.data?.messages.messages.length, 1);
      await appendsNothing(async () => {
        const stolen = await send(s.url, bob, ada.address, 'mine now', id);
        assert.equal(codeOf(stolen), 'CONFLICT');
      });
    });

    test('should edit and delete for everyone within the windows, live to the recipient', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const bobWs = wsClient(s.wsUrl, bob.token);
      const feed = new FeedReader(bobWs.client);
      const m = (await send(s.url, ada, bob.address, 'helo')).data!.sendMessage;
      const edited = await gql(
        s.url,
        'mutation($id: ID!) { editMessage(id: $id, body: "hello") { body editedAt } }',
        { id: m.id },
        ada.token,
      );
      assert.equal(edited.data?.editMessage.body, 'hello');
      const change = await feed.next((i) => i.__typename === 'MessageChanged');
      assert.equal(change.message.body, 'hello');
      await appendsNothing(async () => {
        const notMine = await gql(
          s.url,
          'mutation($id: ID!) { editMessage(id: $id, body: "hacked") { body } }',
          { id: m.id },
          bob.token,
        );
        assert.equal(codeOf(notMine), 'NOT_FOUND');
        s.clock.offsetMs = 16 * 60 * 1000;
        try {
          const late = await gql(
            s.url,
            'mutation($id: ID!) { editMessage(id: $id, body: "too late") { body } }',
            { id: m.id },
            ada.token,
          );
          assert.equal(codeOf(late), 'FORBIDDEN');
        } finally {
          s.clock.offsetMs = 0;
        }
      });
      const del = await gql(
        s.url,
        'mutation($id: ID!) { deleteMessage(id: $id) { deleted body } }',
        { id: m.id },
        ada.token,
      );
      assert.deepEqual(del.data?.deleteMessage, { deleted: true, body: null });
      const gone = await feed.next((i) => i.__typename === 'MessageChanged' && i.message.deleted);
      assert.equal(gone.message.body, null);
      await bobWs.client.dispose();
    });

    test('should page history backwards by position', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      for (let i = 1; i <= 7; i++)
        await send(s.url, i % 2 ? ada : bob, i % 2 ? bob.address : ada.address, `m${i}`);
      const page1 = (await gql(s.url, HISTORY, { w: bob.address, last: 3 }, ada.token)).data!.messages;
      assert.deepEqual(
        page1.messages.map((m: any) => m.body),
        ['m5', 'm6', 'm7'],
      );
      assert.equal(page1.hasMore, true);
      const page2 = (await gql(s.url, HISTORY, { w: bob.address, last: 3, before: page1.before }, ada.token))
        .data!.messages;
      assert.deepEqual(
        page2.messages.map((m: any) => m.body),
        ['m2', 'm3', 'm4'],
      );
      const page3 = (await gql(s.url, HISTORY, { w: bob.address, last: 3, before: page2.before }, ada.token))
        .data!.messages;
      assert.deepEqual(
        page3.messages.map((m: any) => m.body),
        ['m1'],
      );
      assert.equal(page3.hasMore, false);
      assert.equal(codeOf(await gql(s.url, HISTORY, { w: bob.address, last: 500 }, ada.token)), 'BAD_INPUT');
    });

    test('should withhold a blocked sender’s messages and typing, the sender seeing only “sent”', async () => {
      const ada = await register(s.url, 'Ada');
      const mallory = await register(s.url, 'Mallory');
      await gql(
        s.url,
        'mutation($a: String!) { blockContact(address: $a) }',
        { a: mallory.address },
        ada.token,
      );
      const adaWs = wsClient(s.wsUrl, ada.token);
      const adaFeed = new FeedReader(adaWs.client);
      const typing = subscribe(adaWs.client, 'subscription { typing { from } }')[Symbol.asyncIterator]();
      const firstTyping = typing.next();
      const m = await send(s.url, mallory, ada.address, 'let me in');
      assert.equal(m.data?.sendMessage.status, 'SENT', 'not told');
      await gql(s.url, 'mutation($t: String!) { sendTyping(to: $t) }', { t: ada.address }, mallory.token);
      // A message and typing from someone else prove the feeds are live, and nothing of Mallory's came first.
      const bob = await register(s.url, 'Bob');
      await gql(s.url, 'mutation($t: String!) { sendTyping(to: $t) }', { t: ada.address }, bob.token);
      assert.equal((await firstTyping).value.data.typing.from, bob.address);
      await send(s.url, bob, ada.address, 'hi Ada');
      const first = await adaFeed.next((i) => i.__typename === 'MessageAdded');
      assert.equal(first.message.from, bob.address);
      assert.deepEqual(
        ((await gql(s.url, CONVERSATIONS, {}, ada.token)).data?.conversations ?? []).map((c: any) => c.peer),
        [bob.address],
      );
      const senderView = await gql(s.url, HISTORY, { w: ada.address }, mallory.token);
      assert.deepEqual(
        senderView.data?.messages.messages.map((x: any) => [x.body, x.status]),
        [['let me in', 'SENT']],
      );
      const refuse = await send(s.url, ada, mallory.address, 'you are blocked');
      assert.equal(codeOf(refuse), 'FORBIDDEN', 'the blocker is told to unblock first');
      await adaWs.client.dispose();
    });

    test('should hold messages from strangers as requests until accepted or declined', async () => {
      const ada = await register(s.url, 'Ada');
      const eve = await register(s.url, 'Eve');
      const carl = await register(s.url, 'Carl');
      await send(s.url, eve, ada.address, 'hi, we met yesterday');
      await send(s.url, carl, ada.address, 'buy now');
      const requests = await gql(
        s.url,
        '{ conversations(requests: true) { peer isRequest } }',
        {},
        ada.token,
      );
      assert.deepEqual(
        new Set(requests.data?.conversations.map((c: any) => c.peer)),
        new Set([eve.address, carl.address]),
      );
      const accepted = await gql(
        s.url,
        'mutation($a: String!) { acceptMessageRequest(address: $a) { address nickname } }',
        { a: eve.address },
        ada.token,
      );
      assert.deepEqual(accepted.data?.acceptMessageRequest, { address: eve.address, nickname: 'Eve' });
      await gql(
        s.url,
        'mutation($a: String!) { declineMessageRequest(address: $a) }',
        { a: carl.address },
        ada.token,
      );
      assert.deepEqual(
        (await gql(s.url, '{ conversations(requests: true) { peer } }', {}, ada.token)).data?.conversations,
        [],
      );
      assert.deepEqual((await gql(s.url, '{ contacts { address } }', {}, ada.token)).data?.contacts, [
        { address: eve.address },
      ]);
      await appendsNothing(async () => {
        const none = await gql(
          s.url,
          'mutation($a: String!) { acceptMessageRequest(address: $a) { address } }',
          { a: carl.address },
          ada.token,
        );
        assert.equal(codeOf(none), 'NOT_FOUND');
      });
      await send(s.url, carl, ada.address, 'buy now!!');
      assert.equal(
        (await gql(s.url, '{ conversations(requests: true) { peer } }', {}, ada.token)).data?.conversations
          .length,
        1,
        'a new message is a new request',
      );
    });

    test('should refuse bad messages with clear errors and append nothing', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      await appendsNothing(async () => {
        assert.equal(codeOf(await send(s.url, ada, bob.address, 'x'.repeat(4001))), 'BAD_INPUT');
        assert.equal(codeOf(await send(s.url, ada, bob.address, '   ')), 'BAD_INPUT');
        assert.equal(codeOf(await send(s.url, ada, bob.address, 'hi', 'not-a-uuid')), 'BAD_INPUT');
        assert.equal(codeOf(await send(s.url, ada, ada.address, 'me')), 'BAD_INPUT');
        assert.equal(codeOf(await send(s.url, ada, 'cv1nobody', 'hi')), 'ADDRESS_INVALID');
        const unregistered = new TestIdentity('Ghost').address;
        assert.equal(codeOf(await send(s.url, ada, unregistered, 'hi')), 'NOT_FOUND');
      });
    });
  });
}

describe('message rate limit', () => {
  it('should refuse messages past the per-identity rate with RATE_LIMITED and append nothing for them', async () => {
    const s = await startServer('memory', { MESSAGE_RATE_BURST: '3', MESSAGE_RATE_PER_MINUTE: '1' });
    try {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push(codeOf(await send(s.url, ada, bob.address, `m${i}`)));
      assert.deepEqual(codes, [undefined, undefined, undefined, 'RATE_LIMITED', 'RATE_LIMITED']);
      const h = await gql(
        s.url,
        'query($w: String!) { messages(with: $w) { messages { body } } }',
        { w: ada.address },
        bob.token,
      );
      assert.equal(h.data?.messages.messages.length, 3);
    } finally {
      await s.close();
    }
  });
});
