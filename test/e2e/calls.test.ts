import assert from 'node:assert/strict';
import { createHmac, createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fromBase64url } from '../../protocol/base64url.ts';
import { callTokenMessage } from '../../protocol/call-token.ts';
import {
  CALL_FEED,
  callToken,
  codeOf,
  FeedReader,
  gql,
  PLACE_CALL,
  register,
  type TestIdentity,
  wsClient,
} from '../support/client.ts';
import { createTestDatabase, skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const ANSWER = (verb: string) =>
  `mutation($id: ID!) { ${verb}(callId: $id) { callId status reason durationMs } }`;
const HISTORY = '{ callHistory { calls { callId status direction reason durationMs media } } }';

async function place(
  s: TestServer,
  from: TestIdentity,
  to: TestIdentity,
  options: Parameters<typeof callToken>[2] = {},
) {
  return gql(s.url, PLACE_CALL, { input: callToken(from, to.address, options) }, from.token);
}
const callFeed = (s: TestServer, who: TestIdentity) =>
  new FeedReader(wsClient(s.wsUrl, who.token).client, 0, CALL_FEED);
const update = (callId: string, status?: string) => (i: any) =>
  i.__typename === 'CallUpdated' && i.call.callId === callId && (!status || i.call.status === status);

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`calls (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    const befriend = async (a: TestIdentity, b: TestIdentity) => {
      await gql(
        s.url,
        'mutation($a: String!) { addContact(address: $a, nickname: "x") { address } }',
        { a: b.address },
        a.token,
      );
      await gql(
        s.url,
        'mutation($a: String!) { addContact(address: $a, nickname: "x") { address } }',
        { a: a.address },
        b.token,
      );
    };
    before(async () => {
      if (!skip)
        s = await startServer(mode, {
          RING_TIMEOUT_SECONDS: '2',
          ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
        });
    });
    after(async () => {
      if (!skip) await s.close();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);

    test('should ring, accept, carry signaling both ways and end with a duration', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      await befriend(ada, bob);
      const adaFeed = callFeed(s, ada);
      const bobFeed = callFeed(s, bob);
      const placed = (await place(s, ada, bob)).data!.placeCall;
      assert.equal(placed.status, 'PLACED');
      const incoming = await bobFeed.next(update(placed.callId, 'PLACED'));
      // The callee checks the caller's signature itself before ringing.
      const key = (
        await gql(
          s.url,
          'query($a: String!) { identity(address: $a) { publicKey } }',
          { a: ada.address },
          bob.token,
        )
      ).data!.identity.publicKey;
      const t = incoming.call.token;
      const message = callTokenMessage({ ...t, media: t.media === 'AUDIO' ? 'audio' : 'video' });
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key }, format: 'jwk' });
      assert.equal(verify(null, message, publicKey, fromBase64url(t.signature)!), true);

      await gql(s.url, ANSWER('ringing'), { id: placed.callId }, bob.token);
      await adaFeed.next(update(placed.callId, 'RINGING'));
      await gql(s.url, ANSWER('acceptCall'), { id: placed.callId }, bob.token);
      await adaFeed.next(update(placed.callId, 'ACCEPTED'));
      const SIGNAL =
        'mutation($id: ID!, $k: CallSignalKind!, $p: String!) { sendCallSignal(callId: $id, kind: $k, payload: $p) }';
      const sdp = (who: string) => `v=0\r\no=${who} 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n`;
      const candidate = (n: number) =>
        JSON.stringify({
          candidate: `candidate:${n} 1 udp 1 127.0.0.1 9 typ host`,
          sdpMid: '0',
          sdpMLineIndex: 0,
        });
      await gql(s.url, SIGNAL, { id: placed.callId, k: 'OFFER', p: sdp('ada') }, ada.token);
      await gql(s.url, SIGNAL, { id: placed.callId, k: 'CANDIDATE', p: candidate(1) }, ada.token);
      const offer = await bobFeed.next((i) => i.__typename === 'CallSignal');
      const cand = await bobFeed.next((i) => i.__typename === 'CallSignal');
      assert.deepEqual([offer.signal, offer.payload, cand.signal], ['offer', sdp('ada'), 'candidate']);
      await gql(s.url, SIGNAL, { id: placed.callId, k: 'ANSWER', p: sdp('bob') }, bob.token);
      assert.equal((await adaFeed.next((i) => i.__typename === 'CallSignal')).payload, sdp('bob'));
      assert.ok(
        adaFeed.seen.every((i) => i.__typename !== 'CallSignal' || i.from === bob.address),
        'nobody gets their own signals',
      );

      s.clock.offsetMs = 5000;
      try {
        const ended = await gql(s.url, ANSWER('hangUp'), { id: placed.callId }, ada.token);
        assert.equal(ended.data?.hangUp.status, 'ENDED');
        assert.ok(ended.data?.hangUp.durationMs >= 4900);
      } finally {
        s.clock.offsetMs = 0;
      }
      const end = await bobFeed.next(update(placed.callId, 'ENDED'));
      assert.equal(end.call.reason, 'hangup');
      const late = await gql(
        s.url,
        SIGNAL,
        { id: placed.callId, k: 'CANDIDATE', p: candidate(2) },
        ada.token,
      );
      assert.equal(codeOf(late), 'CONFLICT', 'no signaling after the call');
      const history = (await gql(s.url, HISTORY, {}, bob.token)).data!.callHistory.calls;
      assert.deepEqual(history[0], {
        callId: placed.callId,
        status: 'ENDED',
        direction: 'INCOMING',
        reason: 'hangup',
        durationMs: history[0].durationMs,
        media: 'VIDEO',
      });
    });

    test('should stop ringing on the other devices when one device answers', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      await befriend(ada, bob);
      const phone = await (async () => {
        const { challenge } = await import('../support/client.ts');
        const c = await challenge(s.url);
        const r = await gql(s.url, 'mutation($i: SignInInput!) { signIn(input: $i) { token } }', {
          i: { address: bob.address, challenge: c, signature: bob.sign(bob.authMessage('sign-in', c)) },
        });
        return r.data!.signIn.token as string;
      })();
      const laptopFeed = callFeed(s, bob);
      const phoneFeed = new FeedReader(wsClient(s.wsUrl, phone).client, 0, CALL_FEED);
      const { callId } = (await place(s, ada, bob)).data!.placeCall;
      await laptopFeed.next(update(callId, 'PLACED'));
      await phoneFeed.next(update(callId, 'PLACED'));
      await gql(s.url, ANSWER('acceptCall'), { id: callId }, phone);
      const onLaptop = await laptopFeed.next(update(callId, 'ACCEPTED'));
      assert.equal(onLaptop.call.answeredHere, false);
      assert.equal(codeOf(await gql(s.url, ANSWER('acceptCall'), { id: callId }, bob.token)), 'CONFLICT');
      const hang = await gql(s.url, ANSWER('hangUp'), { id: callId }, bob.token);
      assert.equal(codeOf(hang), 'FORBIDDEN', 'only the answering device hangs up');
    });

    test('should decline, cancel, and say busy', async () => {
      const [ada, bob, carl] = [
        await register(s.url, 'Ada'),
        await register(s.url, 'Bob'),
        await register(s.url, 'Carl'),
      ];
      await befriend(ada, bob);
      await befriend(carl, bob);
      const c1 = (await place(s, ada, bob)).data!.placeCall.callId;
      assert.equal(
        (await gql(s.url, ANSWER('declineCall'), { id: c1 }, bob.token)).data?.declineCall.status,
        'DECLINED',
      );
      const c2 = (await place(s, ada, bob)).data!.placeCall.callId;
      const cancelled = await gql(s.url, ANSWER('hangUp'), { id: c2 }, ada.token);
      assert.deepEqual(
        [cancelled.data?.hangUp.status, cancelled.data?.hangUp.reason],
        ['CANCELLED', 'caller'],
      );
      const c3 = (await place(s, ada, bob)).data!.placeCall.callId;
      await gql(s.url, ANSWER('acceptCall'), { id: c3 }, bob.token);
      const busy = (await place(s, carl, bob)).data!.placeCall;
      assert.deepEqual([busy.status, busy.reason], ['BUSY', 'busy']);
      await gql(s.url, ANSWER('hangUp'), { id: c3 }, ada.token);
    });

    test('should miss a call after the ring timeout, and at once with do-not-disturb unless always-allowed', async () => {
      const [ada, bob, carl] = [
        await register(s.url, 'Ada'),
        await register(s.url, 'Bob'),
        await register(s.url, 'Carl'),
      ];
      await befriend(ada, bob);
      await befriend(carl, bob);
      const adaFeed = callFeed(s, ada);
      const { callId } = (await place(s, ada, bob)).data!.placeCall;
      const missed = await adaFeed.next(update(callId, 'MISSED'));
      assert.equal(missed.call.reason, 'timeout');
      await gql(s.url, 'mutation { setDoNotDisturb(on: true) { doNotDisturb } }', {}, bob.token);
      await gql(
        s.url,
        'mutation($a: String!) { setAlwaysAllowed(address: $a, alwaysAllowed: true) { address } }',
        { a: carl.address },
        bob.token,
      );
      const dnd = (await place(s, ada, bob)).data!.placeCall;
      assert.deepEqual([dnd.status, dnd.reason], ['MISSED', 'do_not_disturb']);
      const allowed = (await place(s, carl, bob)).data!.placeCall;
      assert.equal(allowed.status, 'PLACED');
      const bobHistory = (await gql(s.url, HISTORY, {}, bob.token)).data!.callHistory.calls;
      assert.deepEqual(
        bobHistory.slice(0, 3).map((c: any) => [c.status, c.reason, c.direction]),
        [
          ['PLACED', null, 'INCOMING'],
          ['MISSED', 'do_not_disturb', 'INCOMING'],
          ['MISSED', 'timeout', 'INCOMING'],
        ],
      );
    });

    test('should never ring the callee for a blocked caller, and follow the non-contact setting', async () => {
      const [ada, bob, eve] = [
        await register(s.url, 'Ada'),
        await register(s.url, 'Bob'),
        await register(s.url, 'Eve'),
      ];
      await gql(s.url, 'mutation($a: String!) { blockContact(address: $a) }', { a: ada.address }, bob.token);
      const bobFeed = callFeed(s, bob);
      const adaFeed = callFeed(s, ada);
      const blocked = (await place(s, ada, bob)).data!.placeCall;
      assert.equal(blocked.status, 'PLACED', 'the caller is not told');
      const out = await adaFeed.next(update(blocked.callId, 'MISSED'));
      assert.equal(out.call.reason, 'timeout');
      const stranger = (await place(s, eve, bob)).data!.placeCall;
      const seen = await bobFeed.next((i) => i.__typename === 'CallUpdated');
      assert.equal(seen.call.callId, stranger.callId, "Bob's first call item is Eve's, never Ada's");
      assert.equal(
        codeOf(await gql(s.url, ANSWER('acceptCall'), { id: blocked.callId }, bob.token)),
        'NOT_FOUND',
      );
      await gql(s.url, ANSWER('declineCall'), { id: stranger.callId }, bob.token);
      await gql(s.url, 'mutation { setNonContactCalls(policy: SILENCE) { doNotDisturb } }', {}, bob.token);
      const silenced = (await place(s, eve, bob)).data!.placeCall;
      assert.deepEqual([silenced.status, silenced.reason], ['MISSED', 'non_contact_silenced']);
    });

    test('should resolve glare to exactly one call', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      await befriend(ada, bob);
      const adaFeed = callFeed(s, ada);
      const [a, b] = await Promise.all([place(s, ada, bob), place(s, bob, ada)]);
      const calls = (await gql(s.url, HISTORY, {}, ada.token)).data!.callHistory.calls;
      const live = calls.filter((c: any) => c.status === 'PLACED');
      const glared = calls.filter((c: any) => c.status === 'CANCELLED' && c.reason === 'glare');
      assert.equal(live.length, 1, 'exactly one call goes on');
      assert.equal(glared.length, 1);
      assert.ok(live[0].callId < glared[0].callId, 'the lower call id wins');
      // The later placement saw both and answered with the winner; the earlier one learns from its feed.
      assert.ok([a.data!.placeCall.callId, b.data!.placeCall.callId].includes(live[0].callId));
      const cancelled = await adaFeed.next(update(glared[0].callId, 'CANCELLED'));
      assert.equal(cancelled.call.reason, 'glare');
    });

    test('should give a second callee placed at the same moment BUSY, round after round', async () => {
      for (let round = 0; round < 5; round++) {
        const [ada, bob, cat] = [
          await register(s.url, 'Ada'),
          await register(s.url, 'Bob'),
          await register(s.url, 'Cat'),
        ];
        const placed = await Promise.all([place(s, ada, bob), place(s, cat, bob)]);
        const statuses = placed.map((r) => r.data!.placeCall.status).sort();
        assert.deepEqual(statuses, ['BUSY', 'PLACED'], `round ${round}: one rings, the other is busy`);
        const calls = (await gql(s.url, HISTORY, {}, bob.token)).data!.callHistory.calls;
        assert.deepEqual(calls.map((c: any) => c.status).sort(), ['BUSY', 'PLACED']);
        const ringing = calls.find((c: any) => c.status === 'PLACED');
        const other = calls.find((c: any) => c.status === 'BUSY');
        assert.equal(other.reason, 'busy');
        assert.equal(
          codeOf(await gql(s.url, ANSWER('acceptCall'), { id: other.callId }, bob.token)),
          'CONFLICT',
        );
        // The caller gives up, so no ring timeout fires later, in another test.
        const caller = [ada, cat][placed.findIndex((r) => r.data!.placeCall.callId === ringing.callId)]!;
        const cancelled = await gql(s.url, ANSWER('hangUp'), { id: ringing.callId }, caller.token);
        assert.equal(cancelled.errors, undefined, `round ${round}: the caller cancels`);
      }
    });

    test("should take a blocked caller's signal as on any placed call, and tell the callee nothing", async () => {
      const [ada, bob, eve] = [
        await register(s.url, 'Ada'),
        await register(s.url, 'Bob'),
        await register(s.url, 'Eve'),
      ];
      await gql(s.url, 'mutation($a: String!) { blockContact(address: $a) }', { a: ada.address }, bob.token);
      const bobFeed = callFeed(s, bob);
      const SIGNAL =
        'mutation($id: ID!, $k: CallSignalKind!, $p: String!) { sendCallSignal(callId: $id, kind: $k, payload: $p) }';
      const candidate = '{"candidate":"","sdpMid":"0","sdpMLineIndex":0}';
      const open = (await place(s, ada, eve)).data!.placeCall;
      const unblocked = await gql(
        s.url,
        SIGNAL,
        { id: open.callId, k: 'CANDIDATE', p: candidate },
        ada.token,
      );
      const silent = (await place(s, ada, bob)).data!.placeCall;
      const head = await s.app.log.head();
      const blocked = await gql(
        s.url,
        SIGNAL,
        { id: silent.callId, k: 'CANDIDATE', p: candidate },
        ada.token,
      );
      assert.deepEqual(blocked, unblocked, 'the same answer as on a call that rings');
      assert.equal(
        codeOf(
          await gql(s.url, SIGNAL, { id: silent.callId, k: 'CANDIDATE', p: 'c'.repeat(3000) }, ada.token),
        ),
        'BAD_INPUT',
        'and the same checks',
      );
      assert.equal(await s.app.log.head(), head, 'nothing recorded that could reach Bob');
      const marker = (await place(s, eve, bob)).data!.placeCall;
      const first = await bobFeed.next(
        (i) => i.__typename === 'CallUpdated' || i.__typename === 'CallSignal',
      );
      assert.equal(first.call?.callId, marker.callId, "Bob's first call item is Eve's, nothing of Ada's");
      await gql(s.url, ANSWER('hangUp'), { id: marker.callId }, eve.token);
      await gql(s.url, ANSWER('hangUp'), { id: silent.callId }, ada.token);
      await gql(s.url, ANSWER('hangUp'), { id: open.callId }, ada.token);
    });

    test('should refuse bad, foreign, expired and replayed call tokens, appending nothing', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const head = await s.app.log.head();
      const bad = { ...callToken(ada, bob.address), signature: callToken(bob, bob.address).signature };
      assert.equal(codeOf(await gql(s.url, PLACE_CALL, { input: bad }, ada.token)), 'SIGNATURE_INVALID');
      const tampered = { ...callToken(ada, bob.address), media: 'AUDIO' };
      assert.equal(codeOf(await gql(s.url, PLACE_CALL, { input: tampered }, ada.token)), 'SIGNATURE_INVALID');
      const foreign = callToken(bob, bob.address, { claimFrom: bob.address });
      assert.equal(codeOf(await gql(s.url, PLACE_CALL, { input: foreign }, ada.token)), 'FORBIDDEN');
      const old = callToken(ada, bob.address, { issuedAt: Date.now() - 61_000 });
      assert.equal(codeOf(await gql(s.url, PLACE_CALL, { input: old }, ada.token)), 'TOKEN_EXPIRED');
      const future = callToken(ada, bob.address, { issuedAt: Date.now() + 30_000 });
      assert.equal(codeOf(await gql(s.url, PLACE_CALL, { input: future }, ada.token)), 'TOKEN_EXPIRED');
      const skewed = callToken(ada, bob.address, { issuedAt: Date.now() + 3_000 });
      assert.equal(await s.app.log.head(), head);
      const token = callToken(ada, bob.address);
      const first = await gql(s.url, PLACE_CALL, { input: token }, ada.token);
      assert.equal(first.data?.placeCall.status, 'PLACED');
      const head2 = await s.app.log.head();
      const replay = await gql(s.url, PLACE_CALL, { input: { ...token } }, ada.token);
      assert.ok(['TOKEN_REPLAYED', 'CONFLICT'].includes(codeOf(replay)!));
      const sameNonce = callToken(ada, bob.address, { nonce: token.nonce });
      assert.equal(codeOf(await gql(s.url, PLACE_CALL, { input: sameNonce }, ada.token)), 'TOKEN_REPLAYED');
      assert.equal(await s.app.log.head(), head2);
      const ended = await gql(s.url, ANSWER('hangUp'), { id: token.callId }, ada.token);
      assert.equal(ended.errors, undefined, JSON.stringify(ended.errors));
      assert.equal(
        (await gql(s.url, PLACE_CALL, { input: skewed }, ada.token)).data?.placeCall.status,
        'PLACED',
        'small skew is tolerated',
      );
      // Hung up, so its ring timeout cannot append an event during a later test.
      const endedSkewed = await gql(s.url, ANSWER('hangUp'), { id: skewed.callId }, ada.token);
      assert.equal(endedSkewed.errors, undefined, JSON.stringify(endedSkewed.errors));
    });

    test('should keep signaling between the two participants, within size limits', async () => {
      const [ada, bob, eve] = [
        await register(s.url, 'Ada'),
        await register(s.url, 'Bob'),
        await register(s.url, 'Eve'),
      ];
      await befriend(ada, bob);
      const { callId } = (await place(s, ada, bob)).data!.placeCall;
      const SIGNAL =
        'mutation($id: ID!, $k: CallSignalKind!, $p: String!) { sendCallSignal(callId: $id, kind: $k, payload: $p) }';
      const head = await s.app.log.head();
      assert.equal(
        codeOf(await gql(s.url, SIGNAL, { id: callId, k: 'OFFER', p: 'x' }, eve.token)),
        'NOT_FOUND',
      );
      assert.equal(
        codeOf(await gql(s.url, SIGNAL, { id: callId, k: 'CANDIDATE', p: 'c'.repeat(3000) }, ada.token)),
        'BAD_INPUT',
      );
      assert.equal(await s.app.log.head(), head);
      await gql(s.url, ANSWER('hangUp'), { id: callId }, ada.token);
    });

    test('should hand out ICE servers by plan, and let only the operator change plans', async () => {
      const ada = await register(s.url, 'Ada');
      const ICE = '{ plan iceServers { urls username credential } }';
      const free = (await gql(s.url, ICE, {}, ada.token)).data!;
      assert.equal(free.plan, 'FREE');
      assert.equal(
        codeOf(
          await gql(
            s.url,
            'mutation($a: String!) { setPlan(address: $a, plan: PRO) }',
            { a: ada.address },
            ada.token,
          ),
        ),
        'FORBIDDEN',
      );
      const ok = await gql(
        s.url,
        'mutation($a: String!) { setPlan(address: $a, plan: PRO) }',
        { a: ada.address },
        undefined,
        {
          'x-admin-token': 'admin-token-for-tests-0123456789',
        },
      );
      assert.equal(ok.data?.setPlan, 'PRO');
      assert.equal((await gql(s.url, ICE, {}, ada.token)).data!.plan, 'PRO');
    });
  });
}

describe('ICE servers and TURN credentials', () => {
  it('should give FREE only STUN, PRO short-lived REST credentials that coturn can check', async () => {
    const secret = 'turn-shared-secret';
    const s = await startServer('memory', {
      STUN_URLS: 'stun:127.0.0.1:3478',
      TURN_MODE: 'rest',
      TURN_URLS: 'turn:127.0.0.1:3478,turn:127.0.0.1:3478?transport=tcp',
      TURN_SECRET: secret,
      TURN_TTL: '600',
      TURN_FREE_TIER: 'false',
      ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
    });
    try {
      const ada = await register(s.url, 'Ada');
      const ICE = '{ iceServers { urls username credential expiresAt } }';
      assert.deepEqual((await gql(s.url, ICE, {}, ada.token)).data!.iceServers, [
        { urls: ['stun:127.0.0.1:3478'], username: null, credential: null, expiresAt: null },
      ]);
      await gql(
        s.url,
        'mutation($a: String!) { setPlan(address: $a, plan: PRO) }',
        { a: ada.address },
        undefined,
        {
          'x-admin-token': 'admin-token-for-tests-0123456789',
        },
      );
      const [, turn] = (await gql(s.url, ICE, {}, ada.token)).data!.iceServers;
      const [expiry, id] = turn.username.split(':');
      assert.equal(id, ada.address);
      assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 600)) < 5);
      // The expiry is also given as a timestamp, for clients to refresh before it.
      assert.equal(turn.expiresAt, Number(expiry) * 1000);
      assert.equal(turn.credential, createHmac('sha1', secret).update(turn.username).digest('base64'));
      assert.doesNotMatch(JSON.stringify(turn), new RegExp(secret), 'the secret never leaves the server');
    } finally {
      await s.close();
    }
  });
});

describe('ring timeouts across a restart (PostgreSQL)', async () => {
  const skip = await skipWithoutPostgres();
  it('should mark a call missed when its ring timeout passed while the server was down', {
    skip,
  }, async () => {
    const db = await createTestDatabase();
    try {
      const first = await startServer('postgres', { RING_TIMEOUT_SECONDS: '30' }, { db });
      const ada = await register(first.url, 'Ada');
      const bob = await register(first.url, 'Bob');
      const { callId } = (await gql(first.url, PLACE_CALL, { input: callToken(ada, bob.address) }, ada.token))
        .data!.placeCall;
      await first.close();
      // The server comes back after the call was due to time out.
      const second = await startServer('postgres', { RING_TIMEOUT_SECONDS: '30' }, { db }, 31_000);
      try {
        const feed = new FeedReader(wsClient(second.wsUrl, ada.token).client, 0, CALL_FEED);
        const missed = await feed.next(update(callId, 'MISSED'));
        assert.equal(missed.call.reason, 'timeout');
      } finally {
        await second.close();
      }
    } finally {
      await db.drop();
    }
  });
});
