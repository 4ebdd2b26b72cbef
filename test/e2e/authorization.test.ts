import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { schema } from '../../schema/index.ts';
import {
  callToken,
  codeOf,
  FeedReader,
  gql,
  register,
  send,
  type TestIdentity,
  wsClient,
} from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

interface Ctx {
  ada: TestIdentity;
  bob: TestIdentity;
  adaMessageId: string;
  adaCallId: string;
}
type Op = { doc: string; vars: (c: Ctx) => Record<string, unknown> };

/** One operation per root field that needs a session. A field missing here fails the test. */
const AUTHENTICATED: Record<string, Op> = {
  me: { doc: '{ me { address } }', vars: () => ({}) },
  identity: {
    doc: 'query($a: String!) { identity(address: $a) { address } }',
    vars: (c) => ({ a: c.ada.address }),
  },
  contacts: { doc: '{ contacts { address } }', vars: () => ({}) },
  settings: { doc: '{ settings { doNotDisturb } }', vars: () => ({}) },
  conversations: { doc: '{ conversations { peer } }', vars: () => ({}) },
  messages: {
    doc: 'query($w: String!) { messages(with: $w) { messages { id } } }',
    vars: (c) => ({ w: c.ada.address }),
  },
  changeDisplayName: {
    doc: 'mutation { changeDisplayName(displayName: "X") { address } }',
    vars: () => ({}),
  },
  verifyEmbedHandover: {
    doc: 'mutation { verifyEmbedHandover(assertion: "a.b", site: "https://x.example") { subject } }',
    vars: () => ({}),
  },
  signOut: { doc: 'mutation { signOut }', vars: () => ({}) },
  signOutEverywhere: { doc: 'mutation { signOutEverywhere }', vars: () => ({}) },
  pushDevice: { doc: '{ pushDevice { endpoint } }', vars: () => ({}) },
  registerPush: {
    doc: `mutation { registerPush(endpoint: "https://push.example/x", p256dh: "${'A'.repeat(87)}", auth: "${'A'.repeat(22)}") { endpoint } }`,
    vars: () => ({}),
  },
  unregisterPush: { doc: 'mutation { unregisterPush }', vars: () => ({}) },
  addContact: {
    doc: 'mutation($a: String!) { addContact(address: $a, nickname: "n") { address } }',
    vars: (c) => ({ a: c.ada.address }),
  },
  renameContact: {
    doc: 'mutation($a: String!) { renameContact(address: $a, nickname: "n") { address } }',
    vars: (c) => ({ a: c.ada.address }),
  },
  removeContact: {
    doc: 'mutation($a: String!) { removeContact(address: $a) }',
    vars: (c) => ({ a: c.ada.address }),
  },
  blockContact: {
    doc: 'mutation($a: String!) { blockContact(address: $a) }',
    vars: (c) => ({ a: c.ada.address }),
  },
  unblockContact: {
    doc: 'mutation($a: String!) { unblockContact(address: $a) }',
    vars: (c) => ({ a: c.ada.address }),
  },
  setAlwaysAllowed: {
    doc: 'mutation($a: String!) { setAlwaysAllowed(address: $a, alwaysAllowed: true) { address } }',
    vars: (c) => ({ a: c.ada.address }),
  },
  setDoNotDisturb: { doc: 'mutation { setDoNotDisturb(on: true) { doNotDisturb } }', vars: () => ({}) },
  setNonContactCalls: {
    doc: 'mutation { setNonContactCalls(policy: SILENCE) { doNotDisturb } }',
    vars: () => ({}),
  },
  acceptMessageRequest: {
    doc: 'mutation($a: String!) { acceptMessageRequest(address: $a) { address } }',
    vars: (c) => ({ a: c.ada.address }),
  },
  declineMessageRequest: {
    doc: 'mutation($a: String!) { declineMessageRequest(address: $a) }',
    vars: (c) => ({ a: c.ada.address }),
  },
  sendMessage: {
    doc: 'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
    vars: (c) => ({ i: { id: randomUUID(), to: c.ada.address, body: 'x' } }),
  },
  editMessage: {
    doc: 'mutation($id: ID!) { editMessage(id: $id, body: "changed") { id } }',
    vars: (c) => ({ id: c.adaMessageId }),
  },
  deleteMessage: {
    doc: 'mutation($id: ID!) { deleteMessage(id: $id) { id } }',
    vars: (c) => ({ id: c.adaMessageId }),
  },
  markDelivered: {
    doc: 'mutation($p: String!) { markDelivered(peer: $p, upTo: 1) }',
    vars: (c) => ({ p: c.ada.address }),
  },
  markRead: {
    doc: 'mutation($p: String!) { markRead(peer: $p, upTo: 1) }',
    vars: (c) => ({ p: c.ada.address }),
  },
  sendTyping: { doc: 'mutation($t: String!) { sendTyping(to: $t) }', vars: (c) => ({ t: c.ada.address }) },
  iceServers: { doc: '{ iceServers { urls } }', vars: () => ({}) },
  call: { doc: 'query($id: ID!) { call(callId: $id) { callId } }', vars: (c) => ({ id: c.adaCallId }) },
  callHistory: { doc: '{ callHistory { calls { callId } } }', vars: () => ({}) },
  plan: { doc: '{ plan }', vars: () => ({}) },
  placeCall: {
    doc: 'mutation($i: PlaceCallInput!) { placeCall(input: $i) { callId } }',
    vars: (c) => ({ i: callToken(c.ada, c.bob.address) }),
  },
  ringing: {
    doc: 'mutation($id: ID!) { ringing(callId: $id) { callId } }',
    vars: (c) => ({ id: c.adaCallId }),
  },
  acceptCall: {
    doc: 'mutation($id: ID!) { acceptCall(callId: $id) { callId } }',
    vars: (c) => ({ id: c.adaCallId }),
  },
  declineCall: {
    doc: 'mutation($id: ID!) { declineCall(callId: $id) { callId } }',
    vars: (c) => ({ id: c.adaCallId }),
  },
  hangUp: {
    doc: 'mutation($id: ID!) { hangUp(callId: $id) { callId } }',
    vars: (c) => ({ id: c.adaCallId }),
  },
  reportCallQuality: {
    doc: 'mutation($id: ID!) { reportCallQuality(callId: $id, quality: { connected: false, iceRestarts: 0 }) { callId } }',
    vars: (c) => ({ id: c.adaCallId }),
  },
  sendCallSignal: {
    doc: 'mutation($id: ID!) { sendCallSignal(callId: $id, kind: OFFER, payload: "x") }',
    vars: (c) => ({ id: c.adaCallId }),
  },
};
/** Operator only: refused without the admin token whoever asks. */
const ADMIN = ['setPlan'];
/** The audit API: admin or audit token only; its own matrix (HTTP, WebSocket, both tokens) is test/e2e/audit.test.ts. */
const AUDIT = [
  'auditEvents',
  'auditTimeline',
  'auditVerifyChain',
  'auditDigests',
  'auditStateAt',
  'auditDiff',
  'auditCheckpoint',
  'recordCheckpoint',
];
/** Open to anyone by design: how one gets a session, and what server this is. */
const PUBLIC = ['requestChallenge', 'register', 'signIn', 'serverInfo', 'pushPublicKey'];
const SUBSCRIPTIONS = ['feed', 'typing'];

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`authorization matrix (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let ctx: Ctx;
    let mallory: TestIdentity;
    let signedOut: TestIdentity;
    before(async () => {
      if (skip) return;
      s = await startServer(mode);
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      mallory = await register(s.url, 'Mallory');
      signedOut = await register(s.url, 'Gone');
      await gql(
        s.url,
        'mutation($a: String!) { blockContact(address: $a) }',
        { a: mallory.address },
        ada.token,
      );
      await gql(
        s.url,
        'mutation($a: String!) { addContact(address: $a, nickname: "Bob") { address } }',
        { a: bob.address },
        ada.token,
      );
      const m = await send(s.url, ada, bob.address, 'private to Bob');
      const call = await gql(
        s.url,
        'mutation($i: PlaceCallInput!) { placeCall(input: $i) { callId } }',
        { i: callToken(ada, bob.address) },
        ada.token,
      );
      ctx = { ada, bob, adaMessageId: m.data!.sendMessage.id, adaCallId: call.data!.placeCall.callId };
      await gql(s.url, 'mutation { signOut }', {}, signedOut.token);
    });
    after(async () => {
      if (!skip) await s.close();
    });

    it('should list every root field of the schema in the matrix', { skip }, () => {
      const fields = [
        ...Object.keys(schema.getQueryType()!.getFields()),
        ...Object.keys(schema.getMutationType()!.getFields()),
      ].sort();
      assert.deepEqual(fields, [...Object.keys(AUTHENTICATED), ...PUBLIC, ...ADMIN, ...AUDIT].sort());
      assert.deepEqual(Object.keys(schema.getSubscriptionType()!.getFields()).sort(), SUBSCRIPTIONS);
    });

    it('should refuse every operation to a stranger and to a signed-out session, appending nothing', {
      skip,
    }, async () => {
      const head = await s.app.log.head();
      for (const [name, op] of Object.entries(AUTHENTICATED)) {
        for (const [who, token] of [
          ['stranger', undefined],
          ['signed out', signedOut.token],
          ['forged token', `cvs_${'A'.repeat(43)}`],
        ] as const) {
          const r = await gql(s.url, op.doc, op.vars(ctx), token);
          assert.equal(codeOf(r), 'UNAUTHENTICATED', `${name} as ${who}: ${JSON.stringify(r)}`);
        }
      }
      for (const token of [undefined, signedOut.token, ctx.ada.token]) {
        const r = await gql(
          s.url,
          'mutation($a: String!) { setPlan(address: $a, plan: PRO) }',
          { a: ctx.ada.address },
          token,
        );
        assert.equal(codeOf(r), 'FORBIDDEN', 'setPlan needs the operator token');
      }
      for (const token of [undefined, signedOut.token]) {
        const ws = wsClient(s.wsUrl, token);
        assert.equal((await ws.closed).code, 4403, 'subscriptions need a live session');
      }
      assert.equal(await s.app.log.head(), head);
    });

    it("should give a blocked contact nothing of the blocker's, and let it change nothing of theirs", {
      skip,
    }, async () => {
      const head = await s.app.log.head();
      const edit = await gql(
        s.url,
        AUTHENTICATED.editMessage!.doc,
        AUTHENTICATED.editMessage!.vars(ctx),
        mallory.token,
      );
      assert.equal(codeOf(edit), 'NOT_FOUND');
      const del = await gql(
        s.url,
        AUTHENTICATED.deleteMessage!.doc,
        AUTHENTICATED.deleteMessage!.vars(ctx),
        mallory.token,
      );
      assert.equal(codeOf(del), 'NOT_FOUND');
      const read = await gql(
        s.url,
        'mutation($p: String!) { markRead(peer: $p, upTo: 1000000) }',
        { p: ctx.ada.address },
        mallory.token,
      );
      assert.equal(read.data?.markRead, true);
      const accept = await gql(
        s.url,
        AUTHENTICATED.acceptMessageRequest!.doc,
        AUTHENTICATED.acceptMessageRequest!.vars(ctx),
        mallory.token,
      );
      assert.equal(codeOf(accept), 'NOT_FOUND');
      assert.equal(
        await s.app.log.head(),
        head,
        'receipts for messages never received, edits of others: nothing',
      );
      const history = await gql(
        s.url,
        AUTHENTICATED.messages!.doc,
        AUTHENTICATED.messages!.vars(ctx),
        mallory.token,
      );
      assert.deepEqual(history.data?.messages.messages, []);
      const lookup = await gql(
        s.url,
        AUTHENTICATED.identity!.doc,
        AUTHENTICATED.identity!.vars(ctx),
        mallory.token,
      );
      assert.equal(
        lookup.data?.identity.address,
        ctx.ada.address,
        'public keys stay public: callers must verify them',
      );
    });

    it("should never show one identity another's conversations, in queries or feeds", { skip }, async () => {
      const eve = await register(s.url, 'Eve');
      const ws = wsClient(s.wsUrl, eve.token);
      const feed = new FeedReader(ws.client, 0);
      await send(s.url, ctx.bob, ctx.ada.address, 'reply to Ada');
      await send(s.url, ctx.ada, eve.address, 'hello Eve');
      const first = await feed.next((i) => i.__typename === 'MessageAdded');
      assert.equal(first.message.body, 'hello Eve');
      assert.ok(
        feed.seen.every(
          (i) =>
            i.__typename !== 'MessageAdded' || i.message.to === eve.address || i.message.from === eve.address,
        ),
      );
      const convs = await gql(s.url, '{ conversations { peer } }', {}, eve.token);
      assert.deepEqual(convs.data?.conversations, [{ peer: ctx.ada.address }]);
      const other = await gql(
        s.url,
        'query($w: String!) { messages(with: $w) { messages { body } } }',
        { w: ctx.bob.address },
        eve.token,
      );
      assert.deepEqual(other.data?.messages.messages, []);
      const contacts = await gql(s.url, '{ contacts { address } settings { blocked } }', {}, eve.token);
      assert.deepEqual(contacts.data, { contacts: [], settings: { blocked: [] } });
      await ws.client.dispose();
    });
  });
}
