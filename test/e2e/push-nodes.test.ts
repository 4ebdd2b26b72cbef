import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import webpush from 'web-push';
import { FeedReader, gql, register, send, type TestIdentity, wsClient } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../support/postgres.ts';
import { type FakeDevice, FakePushService } from '../support/push-service.ts';
import { startServer, type TestServer } from '../support/server.ts';

const keys = webpush.generateVAPIDKeys();
const ENV = {
  MESSAGE_RATE_BURST: '1000',
  MESSAGE_RATE_PER_MINUTE: '60000',
  VAPID_PUBLIC_KEY: keys.publicKey,
  VAPID_PRIVATE_KEY: keys.privateKey,
};
const REGISTER_PUSH = `mutation($e: String!, $p: String!, $a: String!) {
  registerPush(endpoint: $e, p256dh: $p, auth: $a) { endpoint }
}`;

async function subscribeDevice(s: TestServer, who: TestIdentity, d: FakeDevice) {
  const r = await gql(s.url, REGISTER_PUSH, { e: d.endpoint, p: d.p256dh, a: d.auth }, who.token);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
}

async function sent(s: TestServer, from: TestIdentity, to: string, body: string): Promise<string> {
  const r = await send(s.url, from, to, body);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.sendMessage.id as string;
}

describe('web push across nodes and restarts (PostgreSQL)', async () => {
  const skip = await skipWithoutPostgres();
  let db: TestDatabase;
  let service: FakePushService;
  before(async () => {
    if (skip) return;
    db = await createTestDatabase();
    service = await FakePushService.start();
  });
  after(async () => {
    if (skip) return;
    await service.close();
    await db.drop();
    assert.deepEqual(service.refusals, []);
  });

  it('should push each message once with two nodes following the log, and none while the recipient is online on the other node', {
    skip,
  }, async () => {
    const a = await startServer('postgres', ENV, { db });
    const b = await startServer('postgres', ENV, { db });
    try {
      const ada = await register(a.url, 'Ada');
      const bob = await register(a.url, 'Bob');
      const phone = service.device();
      await subscribeDevice(a, bob, phone);
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await sent(i % 2 ? a : b, ada, bob.address, `m${i}`));
      for (const id of ids) await service.next((r) => r.device === phone.id && r.payload.messageId === id);

      // Bob comes online on node B; Ada writes through node A.
      const ws = wsClient(b.wsUrl, bob.token);
      const feed = new FeedReader(ws.client);
      await eventually(
        async () => (await presenceRows(db, bob.address)) > 0,
        'node B to share bob’s presence',
      );
      const online = await sent(a, ada, bob.address, 'while online on B');
      await feed.next((i) => i.__typename === 'MessageAdded' && i.message.id === online);
      await ws.client.dispose();
      await eventually(async () => (await presenceRows(db, bob.address)) === 0, 'bob’s presence to go');
      const offline = await sent(a, ada, bob.address, 'after');
      await service.next((r) => r.device === phone.id && r.payload.messageId === offline);
    } finally {
      // A graceful stop lets queued pushes go out: after it, nothing more can arrive.
      await a.close();
      await b.close();
    }
    const counts = new Map<string, number>();
    for (const r of service.requests)
      counts.set(r.payload.messageId, (counts.get(r.payload.messageId) ?? 0) + 1);
    assert.ok(
      [...counts.values()].every((n) => n === 1),
      `each message pushed once: ${JSON.stringify([...counts])}`,
    );
    assert.equal(counts.size, 11, 'ten from the burst and one after going offline; none while online');
  });

  it('should resume after a restart from the shared cursor: no push twice, none lost while push was off', {
    skip,
  }, async () => {
    const before = service.requests.length;
    let s = await startServer('postgres', ENV, { db });
    const ada = await register(s.url, 'Ada');
    const bob = await register(s.url, 'Bob');
    const phone = service.device();
    await subscribeDevice(s, bob, phone);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await sent(s, ada, bob.address, `before ${i}`));
    await s.close();
    // A node without VAPID keys (push off) writes meanwhile: nothing follows the log for push.
    s = await startServer('postgres', { MESSAGE_RATE_BURST: '1000' }, { db });
    for (let i = 0; i < 3; i++) ids.push(await sent(s, ada, bob.address, `while off ${i}`));
    await s.close();
    s = await startServer('postgres', ENV, { db });
    for (let i = 0; i < 2; i++) ids.push(await sent(s, ada, bob.address, `after ${i}`));
    for (const id of ids) await service.next((r) => r.device === phone.id && r.payload.messageId === id);
    await s.close();
    const mine = service.requests.slice(before).filter((r) => r.device === phone.id);
    assert.deepEqual(
      mine.map((r) => r.payload.messageId).sort(),
      [...ids].sort(),
      'each message exactly once, also across the restarts',
    );
  });
});

async function presenceRows(db: TestDatabase, address: string): Promise<number> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const r = await client.query('SELECT count(*)::int AS n FROM cv_push_presence WHERE address = $1', [
      address,
    ]);
    return r.rows[0].n as number;
  } finally {
    await client.end();
  }
}
