import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import webpush from 'web-push';
import {
  callToken,
  codeOf,
  FeedReader,
  gql,
  PLACE_CALL,
  register,
  send,
  type TestIdentity,
  wsClient,
} from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type FakeDevice, FakePushService, type PushRequest } from '../support/push-service.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const REGISTER_PUSH = `mutation($e: String!, $p: String!, $a: String!, $b: Boolean) {
  registerPush(endpoint: $e, p256dh: $p, auth: $a, includeBody: $b) { endpoint includeBody }
}`;
const PUSH_ENV = {
  MESSAGE_RATE_BURST: '1000',
  MESSAGE_RATE_PER_MINUTE: '60000',
  PUSH_CONCURRENCY: '1', // in order, so "nothing for m1" is known once m2 arrived
  PUSH_RETRY_BASE_MS: '50',
  PUSH_TIMEOUT_MS: '2000',
};

async function subscribeDevice(s: TestServer, who: TestIdentity, d: FakeDevice, includeBody = false) {
  const r = await gql(
    s.url,
    REGISTER_PUSH,
    { e: d.endpoint, p: d.p256dh, a: d.auth, b: includeBody },
    who.token,
  );
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r;
}

const isMessage = (device: FakeDevice, messageId: string) => (r: PushRequest) =>
  r.device === device.id && r.payload?.messageId === messageId;

const sent = async (s: TestServer, from: TestIdentity, to: string, body: string) => {
  const r = await send(s.url, from, to, body);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.sendMessage as { id: string; position: number };
};

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`web push (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let service: FakePushService;
    // PostgreSQL runs with configured keys; demo mode makes an ephemeral pair.
    const keys = webpush.generateVAPIDKeys();
    before(async () => {
      if (skip) return;
      service = await FakePushService.start();
      s = await startServer(
        mode,
        mode === 'postgres'
          ? {
              ...PUSH_ENV,
              VAPID_PUBLIC_KEY: keys.publicKey,
              VAPID_PRIVATE_KEY: keys.privateKey,
              VAPID_SUBJECT: 'https://callvault.test/contact',
            }
          : PUSH_ENV,
      );
    });
    after(async () => {
      if (skip) return;
      await s.close();
      await service.close();
      assert.deepEqual(service.refusals, [], 'every request passed the push service’s checks');
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);

    test('should send one push, signed with the served key, to an offline recipient, decrypting to a minimal payload', async () => {
      const key = (await gql(s.url, '{ pushPublicKey }')).data!.pushPublicKey as string;
      if (mode === 'postgres') assert.equal(key, keys.publicKey);
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const phone = service.device();
      await subscribeDevice(s, bob, phone);
      const m = await sent(s, ada, bob.address, 'secret text');
      const r = await service.next(isMessage(phone, m.id));
      assert.equal(r.vapidKey, key, 'the JWT verified against the served public key');
      assert.equal(r.claims.aud, service.origin);
      assert.equal(r.urgency, 'normal');
      assert.equal(r.ttl, 86_400);
      assert.match(r.topic ?? '', /^[A-Za-z0-9_-]{1,32}$/);
      assert.deepEqual(r.payload, {
        v: 1,
        kind: 'message-request',
        from: ada.address,
        fromName: 'Ada',
        conversation: ada.address,
        messageId: m.id,
        position: m.position,
        at: r.payload.at,
      });
      assert.equal(JSON.stringify(r.payload).includes('secret text'), false, 'no body unless opted in');
      // Exactly one: a later push for a later message arrives, and nothing else came for this one.
      const m2 = await sent(s, ada, bob.address, 'second');
      await service.next(isMessage(phone, m2.id));
      assert.equal(service.requests.filter(isMessage(phone, m.id)).length, 1);
    });

    test('should carry the text for a device that opted in, and call a contact’s message a message', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const add = await gql(
        s.url,
        'mutation($a: String!) { addContact(address: $a, nickname: "Ada L.") { address } }',
        { a: ada.address },
        bob.token,
      );
      assert.equal(add.errors, undefined);
      const tablet = service.device();
      const r = await subscribeDevice(s, bob, tablet, true);
      assert.deepEqual(r.data!.registerPush, { endpoint: tablet.endpoint, includeBody: true });
      const m = await sent(s, ada, bob.address, 'hello 👋');
      const p = await service.next(isMessage(tablet, m.id));
      assert.equal(p.payload.kind, 'message');
      assert.equal(p.payload.fromName, 'Ada L.', 'the name the recipient gave');
      assert.equal(p.payload.body, 'hello 👋');
    });

    test('should send nothing while the recipient has a live feed, and again once it closed', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const phone = service.device();
      await subscribeDevice(s, bob, phone);
      const ws = wsClient(s.wsUrl, bob.token);
      const feed = new FeedReader(ws.client);
      await eventually(() => s.app.services.feed.hasSubscribers(bob.address), 'bob’s feed to open');
      const online = await sent(s, ada, bob.address, 'while online');
      await feed.next((i) => i.__typename === 'MessageAdded' && i.message.id === online.id);
      await ws.client.dispose();
      await eventually(() => !s.app.services.feed.hasSubscribers(bob.address), 'bob’s feed to close');
      const offline = await sent(s, ada, bob.address, 'after');
      await service.next(isMessage(phone, offline.id));
      assert.deepEqual(
        service.forDevice(phone.id).map((r) => r.payload.messageId),
        [offline.id],
      );
    });

    test('should coalesce a burst in one conversation into one notification per topic', async () => {
      const ada = await register(s.url, 'Ada');
      const cyd = await register(s.url, 'Cyd');
      const bob = await register(s.url, 'Bob');
      const phone = service.device();
      await subscribeDevice(s, bob, phone);
      service.setOffline(phone.id, true);
      const burst = [];
      for (let i = 0; i < 5; i++) burst.push(await sent(s, ada, bob.address, `burst ${i}`));
      const fromCyd = await sent(s, cyd, bob.address, 'other conversation');
      await service.next(isMessage(phone, fromCyd.id));
      const topics = new Set(
        service
          .forDevice(phone.id)
          .filter((r) => r.payload.from === ada.address)
          .map((r) => r.topic),
      );
      assert.equal(topics.size, 1, 'one topic per conversation');
      const delivered = service.setOffline(phone.id, false);
      assert.deepEqual(
        delivered.map((r) => r.payload.messageId),
        [burst.at(-1)!.id, fromCyd.id],
        'the device gets the newest of the burst and the other conversation',
      );
    });

    test('should remove a subscription the push service calls gone (410), and never use it again', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const old = service.device();
      await subscribeDevice(s, bob, old);
      service.gone(old.id);
      const m = await sent(s, ada, bob.address, 'to a gone device');
      const r = await service.next((x) => x.device === old.id);
      assert.equal(r.status, 410);
      await eventually(async () => {
        const events = await s.app.log.readStream(`push-${bob.address}`);
        return events.at(-1)?.type === 'PushUnsubscribed';
      }, 'the removal event');
      const events = await s.app.log.readStream(`push-${bob.address}`);
      assert.deepEqual(events.at(-1)?.data, {
        sessionId: bob.sessionId,
        endpoint: old.endpoint,
        reason: 'gone',
      });
      assert.equal((await gql(s.url, '{ pushDevice { endpoint } }', {}, bob.token)).data!.pushDevice, null);
      // Bob signs in on another device: only that one is notified from now on.
      const bob2 = await signInAgain(s, bob);
      const fresh = service.device();
      await subscribeDevice(s, bob2, fresh);
      const m2 = await sent(s, ada, bob.address, 'later');
      await service.next(isMessage(fresh, m2.id));
      assert.equal(
        service.requests.filter((x) => x.device === old.id).length,
        1,
        'the gone endpoint was tried once',
      );
      assert.ok(m);
    });

    test('should retry a 500 and a 429 (honouring Retry-After) until the service takes it', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const phone = service.device();
      await subscribeDevice(s, bob, phone);
      service.script(phone.id, { status: 500 }, { status: 429, retryAfter: '1' });
      const m = await sent(s, ada, bob.address, 'persist');
      const ok = await service.next((r) => isMessage(phone, m.id)(r) && r.status === 201);
      const tries = service.requests.filter(isMessage(phone, m.id));
      assert.deepEqual(
        tries.map((r) => r.status),
        [500, 429, 201],
      );
      assert.ok(ok.at - tries[1]!.at >= 950, `waited ${ok.at - tries[1]!.at} ms after Retry-After: 1`);
    });

    test('should answer sendMessage at normal speed while the push service hangs', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const phone = service.device();
      await subscribeDevice(s, bob, phone);
      service.setHanging(true);
      try {
        const started = performance.now();
        for (let i = 0; i < 20; i++) await sent(s, ada, bob.address, `during outage ${i}`);
        const perMessage = (performance.now() - started) / 20;
        // A send waits for nothing push-related; the push timeout alone is 2 s.
        assert.ok(perMessage < 200, `sendMessage took ${perMessage.toFixed(1)} ms each`);
      } finally {
        service.setHanging(false);
      }
    });

    test('should ring an offline callee with a high-urgency push that lives as long as the ring, then say it was missed', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const phone = service.device();
      await subscribeDevice(s, bob, phone);
      const t = callToken(ada, bob.address, { media: 'AUDIO' });
      const placed = await gql(s.url, PLACE_CALL, { input: t }, ada.token);
      assert.equal(placed.errors, undefined, JSON.stringify(placed.errors));
      const ring = await service.next((r) => r.device === phone.id && r.payload?.kind === 'call');
      assert.equal(ring.urgency, 'high');
      assert.ok(ring.ttl > 0 && ring.ttl <= 45, `TTL ${ring.ttl} within the ring timeout`);
      assert.equal(ring.payload.callId, t.callId);
      assert.equal(ring.payload.fromName, 'Ada');
      assert.equal(ring.payload.media, 'audio');
      const cancel = await gql(
        s.url,
        'mutation($c: ID!) { hangUp(callId: $c) { status } }',
        { c: t.callId },
        ada.token,
      );
      assert.equal(cancel.errors, undefined, JSON.stringify(cancel.errors));
      const ended = await service.next((r) => r.device === phone.id && r.payload?.kind === 'call-ended');
      assert.equal(ended.payload.outcome, 'cancelled');
      assert.equal(ended.topic, ring.topic, 'replaces an undelivered ring at the push service');
    });

    test('should drop the subscription of a session that signs out', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const gone = service.device();
      await subscribeDevice(s, bob, gone);
      const bob2 = await signInAgain(s, bob);
      const stays = service.device();
      await subscribeDevice(s, bob2, stays);
      const out = await gql(s.url, 'mutation { signOut }', {}, bob.token);
      assert.equal(out.errors, undefined, JSON.stringify(out.errors));
      const m = await sent(s, ada, bob.address, 'after sign-out');
      await service.next(isMessage(stays, m.id));
      assert.equal(service.forDevice(gone.id).length, 0);
    });

    test('should refuse bad subscriptions with a clear error and change nothing, over HTTP GET, POST and WebSocket', async () => {
      const bob = await register(s.url, 'Bob');
      const d = service.device();
      const bad: [Record<string, unknown>, RegExp][] = [
        [{ e: 'http://push.example/x' }, /https/],
        [{ e: `https://push.example/${'a'.repeat(1100)}` }, /at most 1024 characters/],
        [{ p: d.p256dh.slice(0, 40) }, /65-byte/],
        [{ p: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url') }, /curve/],
        [{ a: 'AAAA' }, /16-byte/],
      ];
      const head = await s.app.log.head();
      for (const [change, message] of bad) {
        const vars = { e: d.endpoint, p: d.p256dh, a: d.auth, ...change };
        const post = await gql(s.url, REGISTER_PUSH, vars, bob.token);
        assert.equal(codeOf(post), 'BAD_INPUT', JSON.stringify(post));
        assert.match(post.errors![0]!.message, message);
        const get = await fetch(
          `${s.url}/graphql?query=${encodeURIComponent(REGISTER_PUSH)}&variables=${encodeURIComponent(JSON.stringify(vars))}`,
          {
            headers: { authorization: `Bearer ${bob.token}` },
          },
        );
        assert.notEqual(get.status, 200, 'a mutation is never taken over GET');
        const ws = wsClient(s.wsUrl, bob.token);
        const viaWs = await new Promise<any>((resolve) => {
          ws.client.subscribe(
            { query: REGISTER_PUSH, variables: vars },
            { next: resolve, error: resolve, complete: () => {} },
          );
        });
        assert.equal(viaWs.errors?.[0]?.extensions?.code, 'BAD_INPUT');
        await ws.client.dispose();
      }
      const anonymous = await gql(s.url, REGISTER_PUSH, { e: d.endpoint, p: d.p256dh, a: d.auth });
      assert.equal(codeOf(anonymous), 'UNAUTHENTICATED');
      assert.equal(await s.app.log.head(), head, 'the log did not change');
    });
  });
}

async function signInAgain(s: TestServer, who: TestIdentity): Promise<TestIdentity> {
  const { challenge, SIGN_IN } = await import('../support/client.ts');
  const c = await challenge(s.url);
  const r = await gql(s.url, SIGN_IN, {
    input: { address: who.address, challenge: c, signature: who.sign(who.authMessage('sign-in', c)) },
  });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return Object.assign(Object.create(Object.getPrototypeOf(who)), who, {
    token: r.data!.signIn.token,
    sessionId: r.data!.signIn.sessionId,
  });
}
