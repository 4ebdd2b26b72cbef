import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  callToken,
  challenge,
  codeOf,
  type GraphQLResponse,
  gql,
  PLACE_CALL,
  REGISTER,
  register,
  SEND,
  SIGN_IN,
  TestIdentity,
  wsClient,
} from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

/** Ill-formed UTF-16: a lone high and a lone low surrogate (valid JSON, not Unicode). */
const LONE = ['x\ud800y', '\udc00'];

interface World {
  ada: TestIdentity;
  bob: TestIdentity;
  messageId: string;
  callId: string;
}

/** Every string input that ends up in an event, with a way to put `bad` into it. */
const STRING_INPUTS: Record<
  string,
  (w: World, bad: string) => { doc: string; vars: object; token?: string }
> = {
  'sendMessage.input.body': (w, bad) => ({
    doc: SEND,
    vars: { input: { id: crypto.randomUUID(), to: w.bob.address, body: bad } },
    token: w.ada.token,
  }),
  'sendMessage.input.to': (_w, bad) => ({
    doc: SEND,
    vars: { input: { id: crypto.randomUUID(), to: bad, body: 'hi' } },
  }),
  'sendMessage.input.id': (w, bad) => ({
    doc: SEND,
    vars: { input: { id: bad, to: w.bob.address, body: 'hi' } },
    token: w.ada.token,
  }),
  'editMessage.body': (w, bad) => ({
    doc: 'mutation($id: ID!, $b: String!) { editMessage(id: $id, body: $b) { id } }',
    vars: { id: w.messageId, b: bad },
    token: w.ada.token,
  }),
  'changeDisplayName.displayName': (w, bad) => ({
    doc: 'mutation($n: String!) { changeDisplayName(displayName: $n) { address } }',
    vars: { n: bad },
    token: w.ada.token,
  }),
  'addContact.nickname': (w, bad) => ({
    doc: 'mutation($a: String!, $n: String!) { addContact(address: $a, nickname: $n) { address } }',
    vars: { a: w.bob.address, n: bad },
    token: w.ada.token,
  }),
  'renameContact.nickname': (w, bad) => ({
    doc: 'mutation($a: String!, $n: String!) { renameContact(address: $a, nickname: $n) { address } }',
    vars: { a: w.bob.address, n: bad },
    token: w.bob.token,
  }),
  'acceptMessageRequest.nickname': (w, bad) => ({
    doc: 'mutation($a: String!, $n: String) { acceptMessageRequest(address: $a, nickname: $n) { address } }',
    vars: { a: w.ada.address, n: bad },
    token: w.bob.token,
  }),
  'sendCallSignal.payload': (w, bad) => ({
    doc: 'mutation($id: ID!, $p: String!) { sendCallSignal(callId: $id, kind: OFFER, payload: $p) }',
    vars: { id: w.callId, p: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=${bad}\r\nt=0 0\r\n` },
    token: w.ada.token,
  }),
  'signIn.input.device': (w, bad) => ({
    doc: SIGN_IN,
    vars: { input: { address: w.ada.address, challenge: 'cvc_x', signature: 'x', device: bad } },
  }),
  'register.input.displayName': (_w, bad) => ({
    doc: REGISTER,
    vars: { input: { publicKey: 'x', displayName: bad, challenge: 'cvc_x', signature: 'x' } },
  }),
};

/** A mutation over graphql-ws: its one result, or the errors the server answered with. */
async function overWs(
  url: string,
  token: string,
  query: string,
  variables: object,
): Promise<GraphQLResponse> {
  const { client } = wsClient(url, token);
  try {
    for await (const result of client.iterate({ query, variables: variables as Record<string, unknown> })) {
      return { status: 200, ...(result as object) } as GraphQLResponse;
    }
    throw new Error('no result');
  } catch (error) {
    if (Array.isArray(error)) return { status: 200, errors: error };
    throw error;
  } finally {
    await client.dispose();
  }
}

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`hostile input (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let w: World;
    before(async () => {
      if (skip) return;
      s = await startServer(mode, { ADMIN_TOKEN });
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      for (const [a, b] of [
        [ada, bob],
        [bob, ada],
      ] as const) {
        await gql(
          s.url,
          'mutation($a: String!) { addContact(address: $a, nickname: "friend") { address } }',
          { a: b.address },
          a.token,
        );
      }
      const sent = await gql(
        s.url,
        SEND,
        { input: { id: crypto.randomUUID(), to: bob.address, body: 'hello' } },
        ada.token,
      );
      const placed = await gql(s.url, PLACE_CALL, { input: callToken(ada, bob.address) }, ada.token);
      w = { ada, bob, messageId: sent.data!.sendMessage.id, callId: placed.data!.placeCall.callId };
    });
    after(async () => {
      if (!skip) await s.close();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);

    test('should refuse a lone surrogate in any string variable with BAD_INPUT and append nothing, over HTTP', async () => {
      const head = await s.app.log.head();
      for (const [name, make] of Object.entries(STRING_INPUTS)) {
        for (const bad of LONE) {
          const { doc, vars, token } = make(w, bad);
          const r = await gql(s.url, doc, vars as Record<string, unknown>, token ?? w.ada.token);
          assert.equal(codeOf(r), 'BAD_INPUT', `${name}: ${JSON.stringify(r.errors)}`);
          assert.match(r.errors![0]!.message, /well-formed Unicode/, name);
        }
      }
      assert.equal(await s.app.log.head(), head);
    });

    test('should refuse a lone surrogate in any string variable with BAD_INPUT and append nothing, over WebSocket', async () => {
      const head = await s.app.log.head();
      for (const [name, make] of Object.entries(STRING_INPUTS)) {
        const { doc, vars, token } = make(w, LONE[0]!);
        const r = await overWs(s.wsUrl, token ?? w.ada.token, doc, vars);
        assert.equal(codeOf(r), 'BAD_INPUT', `${name}: ${JSON.stringify(r.errors)}`);
      }
      assert.equal(await s.app.log.head(), head);
    });

    test('should name the variable path of the ill-formed string', async () => {
      const r = await gql(
        s.url,
        SEND,
        { input: { id: crypto.randomUUID(), to: w.bob.address, body: 'a\ud800' } },
        w.ada.token,
      );
      assert.match(r.errors![0]!.message, /^\$input\.body /);
    });

    test('should refuse lone surrogates written into the query text, raw or escaped, and append nothing', async () => {
      const head = await s.app.log.head();
      const to = w.bob.address;
      const raw = `mutation { sendMessage(input: { id: "${crypto.randomUUID()}", to: "${to}", body: "x\ud800" }) { id } }`;
      const viaHttp = await gql(s.url, raw, {}, w.ada.token);
      assert.equal(codeOf(viaHttp), 'BAD_INPUT', JSON.stringify(viaHttp.errors));
      const viaWs = await overWs(s.wsUrl, w.ada.token, raw, {});
      assert.equal(codeOf(viaWs), 'BAD_INPUT', JSON.stringify(viaWs.errors));
      // graphql-js refuses the escape itself: a syntax error, never an INTERNAL one.
      const escaped = `mutation { sendMessage(input: { id: "${crypto.randomUUID()}", to: "${to}", body: "x\\ud800" }) { id } }`;
      const r = await gql(s.url, escaped, {}, w.ada.token);
      assert.ok(r.errors?.[0]?.message.includes('Invalid Unicode escape sequence'), JSON.stringify(r));
      assert.notEqual(codeOf(r), 'INTERNAL_SERVER_ERROR');
      assert.equal(await s.app.log.head(), head);
    });

    test('should keep accepting well-formed astral characters (surrogate pairs) in the same inputs', async () => {
      const r = await gql(
        s.url,
        SEND,
        { input: { id: crypto.randomUUID(), to: w.bob.address, body: 'emoji \ud83d\ude00 ok' } },
        w.ada.token,
      );
      assert.equal(r.data?.sendMessage.body, 'emoji 😀 ok', JSON.stringify(r.errors));
    });

    test('should refuse call signals that are not SDP or one ICE candidate, appending nothing', async () => {
      const SIGNAL =
        'mutation($id: ID!, $k: CallSignalKind!, $p: String!) { sendCallSignal(callId: $id, kind: $k, payload: $p) }';
      const head = await s.app.log.head();
      const bad: [string, string][] = [
        ['CANDIDATE', 'candidate:1 1 udp 1 127.0.0.1 9 typ host'],
        ['CANDIDATE', '{"candidate":"candidate:1","sdpMid":"0","sdpMLineIndex":0,"x":"smuggled"}'],
        ['CANDIDATE', '{"candidate":"<script>","sdpMid":"0","sdpMLineIndex":0}'],
        // Lone surrogates escaped inside the JSON: the payload is well-formed, its strings are not.
        ['CANDIDATE', '{"candidate":"","sdpMid":"\\ud800","sdpMLineIndex":0}'],
        ['CANDIDATE', '{"candidate":"candidate:\\udfff","sdpMid":"0","sdpMLineIndex":0}'],
        ['OFFER', 'hello, not SDP'],
        ['ANSWER', 'v=0\r\n'],
        ['RESTART', '{"type":"offer"}'],
      ];
      for (const [k, p] of bad) {
        const r = await gql(s.url, SIGNAL, { id: w.callId, k, p }, w.ada.token);
        assert.equal(codeOf(r), 'BAD_INPUT', `${k} ${p}: ${JSON.stringify(r)}`);
      }
      assert.equal(await s.app.log.head(), head);
      const good = JSON.stringify({
        candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host',
        sdpMid: '0',
        sdpMLineIndex: 0,
        usernameFragment: 'abcd',
      });
      const ok = await gql(s.url, SIGNAL, { id: w.callId, k: 'CANDIDATE', p: good }, w.ada.token);
      assert.equal(ok.data?.sendCallSignal, true, JSON.stringify(ok.errors));
    });

    test('should answer CONFLICT when a message id is reused for another body or recipient, and the original for a retry', async () => {
      const carol = await register(s.url, 'Carol');
      const id = crypto.randomUUID();
      const first = await gql(
        s.url,
        SEND,
        { input: { id, to: w.bob.address, body: 'original' } },
        w.ada.token,
      );
      assert.equal(first.data?.sendMessage.body, 'original');
      const head = await s.app.log.head();
      const otherBody = await gql(
        s.url,
        SEND,
        { input: { id, to: w.bob.address, body: 'changed' } },
        w.ada.token,
      );
      assert.equal(codeOf(otherBody), 'CONFLICT', JSON.stringify(otherBody));
      const otherTo = await gql(
        s.url,
        SEND,
        { input: { id, to: carol.address, body: 'original' } },
        w.ada.token,
      );
      assert.equal(codeOf(otherTo), 'CONFLICT');
      const otherSender = await gql(
        s.url,
        SEND,
        { input: { id, to: w.ada.address, body: 'original' } },
        w.bob.token,
      );
      assert.equal(codeOf(otherSender), 'CONFLICT');
      const retry = await gql(
        s.url,
        SEND,
        { input: { id: id.toUpperCase(), to: w.bob.address, body: 'original' } },
        w.ada.token,
      );
      assert.deepEqual(retry.data?.sendMessage, first.data?.sendMessage);
      assert.equal(await s.app.log.head(), head);
      // An edit changes the body shown, not what the id was first sent with.
      await gql(
        s.url,
        'mutation($id: ID!, $b: String!) { editMessage(id: $id, body: $b) { id } }',
        { id, b: 'edited' },
        w.ada.token,
      );
      const afterEdit = await gql(
        s.url,
        SEND,
        { input: { id, to: w.bob.address, body: 'original' } },
        w.ada.token,
      );
      assert.equal(afterEdit.data?.sendMessage.body, 'edited', JSON.stringify(afterEdit.errors));
    });

    test('should answer CONFLICT when concurrent sends race with one id and different bodies', async () => {
      const id = crypto.randomUUID();
      const bodies = ['one', 'two', 'three', 'four'];
      const results = await Promise.all(
        bodies.map((body) => gql(s.url, SEND, { input: { id, to: w.bob.address, body } }, w.ada.token)),
      );
      const won = results.filter((r) => r.data?.sendMessage);
      assert.equal(won.length, 1, JSON.stringify(results));
      assert.ok(
        results.every((r) => r.data?.sendMessage || codeOf(r) === 'CONFLICT'),
        JSON.stringify(results),
      );
    });

    test('should answer CONFLICT when a callId is reused for another call, by anyone', async () => {
      const head = await s.app.log.head();
      const mine = await gql(
        s.url,
        PLACE_CALL,
        { input: callToken(w.ada, w.bob.address, { callId: w.callId, media: 'AUDIO' }) },
        w.ada.token,
      );
      assert.equal(codeOf(mine), 'CONFLICT', JSON.stringify(mine));
      const theirs = await gql(
        s.url,
        PLACE_CALL,
        { input: callToken(w.bob, w.ada.address, { callId: w.callId }) },
        w.bob.token,
      );
      assert.equal(codeOf(theirs), 'CONFLICT', JSON.stringify(theirs));
      assert.equal(await s.app.log.head(), head);
    });

    test('should refuse control characters, bidi controls and over-long names, keeping the challenge', async () => {
      const head = await s.app.log.head();
      const id = new TestIdentity();
      const c = await challenge(s.url);
      const input = {
        publicKey: id.publicKey,
        displayName: 'Dee',
        challenge: c,
        signature: id.sign(id.authMessage('register', c)),
      };
      const refusals: Record<string, unknown>[] = [
        { displayName: 'bell\u0007' },
        { displayName: 'evil\u202egnp.exe' },
        { displayName: 'two\u2028lines' },
        { displayName: 'x'.repeat(65) },
        { displayName: '   ' },
        { device: 'd'.repeat(65) },
        // 63 letters and an emoji is 64 characters: fine. Before, 99 + an emoji were cut in half.
        { device: `${'d'.repeat(99)}😀` },
        { device: 'tab\tin device' },
        { device: '' },
      ];
      for (const change of refusals) {
        const r = await gql(s.url, REGISTER, { input: { ...input, ...change } });
        assert.equal(codeOf(r), 'BAD_INPUT', `${JSON.stringify(change)}: ${JSON.stringify(r)}`);
      }
      const nick = await gql(
        s.url,
        'mutation($a: String!, $n: String!) { renameContact(address: $a, nickname: $n) { address } }',
        { a: w.ada.address, n: 'x\u0085y' },
        w.bob.token,
      );
      assert.equal(codeOf(nick), 'BAD_INPUT');
      assert.equal(await s.app.log.head(), head);
      const ok = await gql(s.url, REGISTER, { input: { ...input, device: `${'d'.repeat(63)}😀` } });
      assert.ok(ok.data?.register.token, `the challenge survived the refusals: ${JSON.stringify(ok.errors)}`);
    });

    test('should refuse control characters in a message body but keep tabs and newlines', async () => {
      const head = await s.app.log.head();
      for (const body of ['bell\u0007', 'esc\u001b[31m', 'del\u007f', 'c1\u0085', '\u0000', ' \n\t ']) {
        const r = await gql(
          s.url,
          SEND,
          { input: { id: crypto.randomUUID(), to: w.bob.address, body } },
          w.ada.token,
        );
        assert.equal(codeOf(r), 'BAD_INPUT', JSON.stringify(body));
      }
      assert.equal(await s.app.log.head(), head);
      const body = 'line one\r\n\tline two\n';
      const r = await gql(
        s.url,
        SEND,
        { input: { id: crypto.randomUUID(), to: w.bob.address, body } },
        w.ada.token,
      );
      assert.equal(r.data?.sendMessage.body, body, JSON.stringify(r.errors));
    });

    test('should answer ADDRESS_INVALID for a mistyped address in every operation that takes one, appending nothing', async () => {
      const head = await s.app.log.head();
      const typo = `${w.bob.address.slice(0, -1)}${w.bob.address.endsWith('a') ? 'b' : 'a'}`;
      const ops: [string, string, Record<string, unknown>][] = [
        ['identity', 'query($a: String!) { identity(address: $a) { address } }', { a: typo }],
        ['messages', 'query($a: String!) { messages(with: $a) { hasMore } }', { a: typo }],
        [
          'addContact',
          'mutation($a: String!) { addContact(address: $a, nickname: "n") { address } }',
          { a: typo },
        ],
        [
          'renameContact',
          'mutation($a: String!) { renameContact(address: $a, nickname: "n") { address } }',
          { a: typo },
        ],
        ['removeContact', 'mutation($a: String!) { removeContact(address: $a) }', { a: typo }],
        ['blockContact', 'mutation($a: String!) { blockContact(address: $a) }', { a: typo }],
        ['unblockContact', 'mutation($a: String!) { unblockContact(address: $a) }', { a: typo }],
        [
          'setAlwaysAllowed',
          'mutation($a: String!) { setAlwaysAllowed(address: $a, alwaysAllowed: true) { address } }',
          { a: typo },
        ],
        [
          'acceptMessageRequest',
          'mutation($a: String!) { acceptMessageRequest(address: $a) { address } }',
          { a: typo },
        ],
        [
          'declineMessageRequest',
          'mutation($a: String!) { declineMessageRequest(address: $a) }',
          { a: typo },
        ],
        ['markDelivered', 'mutation($a: String!) { markDelivered(peer: $a, upTo: 1) }', { a: typo }],
        ['markRead', 'mutation($a: String!) { markRead(peer: $a, upTo: 1) }', { a: typo }],
        ['sendTyping', 'mutation($a: String!) { sendTyping(to: $a) }', { a: typo }],
        ['sendMessage', SEND, { input: { id: crypto.randomUUID(), to: typo, body: 'hi' } }],
        ['placeCall', PLACE_CALL, { input: callToken(w.ada, typo) }],
        ['setPlan', 'mutation($a: String!) { setPlan(address: $a, plan: PRO) }', { a: typo }],
        ['signIn', SIGN_IN, { input: { address: typo, challenge: 'cvc_x', signature: 'x' } }],
      ];
      for (const [name, doc, vars] of ops) {
        const r = await gql(s.url, doc, vars, w.ada.token, { 'x-admin-token': ADMIN_TOKEN });
        assert.equal(codeOf(r), 'ADDRESS_INVALID', `${name}: ${JSON.stringify(r.errors)}`);
      }
      assert.equal(await s.app.log.head(), head);
    });

    test('should register with a well-formed name after all the refusals', async () => {
      const id = new TestIdentity();
      const c = await challenge(s.url);
      const r = await gql(s.url, REGISTER, {
        input: {
          publicKey: id.publicKey,
          displayName: 'Zoë 😀',
          challenge: c,
          signature: id.sign(id.authMessage('register', c)),
        },
      });
      assert.equal(r.data?.register.identity.displayName, 'Zoë 😀', JSON.stringify(r.errors));
    });
  });
}
