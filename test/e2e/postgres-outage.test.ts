import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { type App, createApp } from '../../api/app.ts';
import { startWithRetry } from '../../api/startup.ts';
import { loadConfig } from '../../app/config.ts';
import {
  CALL_FEED,
  callToken,
  FeedReader,
  gql,
  PLACE_CALL,
  register,
  SEND,
  subscribe,
  type TestIdentity,
  wsClient,
} from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { createPgInstance, type PgInstance, pgInstanceUnavailable } from '../support/pg-instance.ts';

const TYPING = 'mutation($t: String!) { sendTyping(to: $t) }';

/** POST /graphql, keeping the response headers (Retry-After). */
async function post(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

/**
 * The app on PostgreSQL when PostgreSQL goes away: a private cluster that the tests stop,
 * crash and restart while the app keeps running in this process.
 */
describe('the app through PostgreSQL outages and restarts', async () => {
  const reason = pgInstanceUnavailable();
  if (reason && process.env.CI) throw new Error(`CI=true and ${reason}`);
  const skip = reason ?? false;
  let pgi: PgInstance;
  let app: App;
  let url: string;
  let wsUrl: string;
  const warnings: string[] = [];
  const config = () =>
    loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      DATABASE_URL: pgi.url,
      AUTH_RATE_BURST: '100000',
      AUTH_RATE_PER_MINUTE: '100000',
      MESSAGE_RATE_BURST: '100000',
      MESSAGE_RATE_PER_MINUTE: '100000',
      RING_TIMEOUT_SECONDS: '1',
    });
  // A logger that keeps what the app says, so the tests can see it retry.
  const logger = pino(
    { level: 'warn' },
    {
      write: (line: string) => {
        warnings.push(line);
      },
    },
  );

  before(async () => {
    if (skip) return;
    pgi = await createPgInstance();
    // Start-up with PostgreSQL down: the app retries (and says so), and comes up once it starts.
    await pgi.stop('fast');
    const starting = startWithRetry(() => createApp(config(), { logger }), {
      logger,
      firstDelayMs: 50,
      maxDelayMs: 200,
    });
    await eventually(
      async () => warnings.some((w) => w.includes('database unavailable at start-up')),
      'a retry',
    );
    await pgi.start();
    app = await starting;
    const port = await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${port}`;
    wsUrl = `ws://127.0.0.1:${port}/graphql`;
  });
  after(async () => {
    if (skip) return;
    await app?.close();
    await pgi.destroy();
  });

  it('should start while PostgreSQL is down, logging its retries, and serve once it is up', {
    skip,
  }, async () => {
    assert.ok(warnings.some((w) => /"level":40.*database unavailable at start-up/.test(w)));
    const health = await fetch(`${url}/api/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).ok, true);
  });

  it('should answer UNAVAILABLE with 503 and Retry-After while PostgreSQL is down, then recover feeds and typing', {
    skip,
  }, async () => {
    const ada = await register(url, 'Ada');
    const bob = await register(url, 'Bob');
    const bobWs = wsClient(wsUrl, bob.token);
    const adaWs = wsClient(wsUrl, ada.token);
    const feed = new FeedReader(bobWs.client);
    const typing = subscribe(bobWs.client, 'subscription { typing { from } }')[Symbol.asyncIterator]();
    const firstTyping = typing.next();
    const hello = await post(
      url,
      SEND,
      { input: { id: randomUUID(), to: bob.address, body: 'hello' } },
      ada.token,
    );
    assert.equal(hello.status, 200);
    assert.equal((await feed.next((i) => i.__typename === 'MessageAdded')).message.body, 'hello');

    await pgi.stop('fast');
    try {
      const id = randomUUID();
      const down = await post(url, SEND, { input: { id, to: bob.address, body: 'while down' } }, ada.token);
      assert.equal(down.status, 503);
      assert.equal(down.retryAfter, '2');
      assert.equal(down.body.errors[0].extensions.code, 'UNAVAILABLE');
      assert.match(down.body.errors[0].message, /retry/);
      assert.equal(
        down.body.errors[0].extensions.http,
        undefined,
        'http is for the transport, not the client',
      );
      // Other stores (sign-in challenges) say the same, not INTERNAL_SERVER_ERROR.
      const challenge = await post(url, 'mutation { requestChallenge { challenge } }', {});
      assert.equal(challenge.body.errors[0].extensions.code, 'UNAVAILABLE');
      // Over the socket: the same code, without the HTTP-only extension.
      const overWs = await new Promise<any>((resolve, reject) => {
        adaWs.client.subscribe(
          { query: SEND, variables: { input: { id, to: bob.address, body: 'while down' } } },
          { next: resolve, error: reject, complete: () => {} },
        );
      });
      assert.equal(overWs.errors[0].extensions.code, 'UNAVAILABLE');
      assert.equal(overWs.errors[0].extensions.http, undefined);

      const health = await fetch(`${url}/api/health`);
      assert.equal(health.status, 503);
      const body = await health.json();
      assert.equal(body.ok, false);
      assert.equal(body.store, 'unavailable');
    } finally {
      await pgi.start();
    }

    await eventually(async () => (await fetch(`${url}/api/health`)).status === 200, 'health 200 again');
    const back = await post(
      url,
      SEND,
      { input: { id: randomUUID(), to: bob.address, body: 'back' } },
      ada.token,
    );
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal((await feed.next((i) => i.__typename === 'MessageAdded')).message.body, 'back');
    // Typing goes over the signal bus's own LISTEN connection, which must have come back.
    let typed = false;
    void firstTyping.then(() => {
      typed = true;
    });
    await eventually(async () => {
      await gql(url, TYPING, { t: bob.address }, ada.token);
      await new Promise((r) => setTimeout(r, 200));
      return typed;
    }, 'a typing signal after the restart');
    assert.equal((await firstTyping).value.data.typing.from, ada.address);
    await feed.close();
    await adaWs.client.dispose();
    await bobWs.client.dispose();
  });

  it('should lose and duplicate nothing acknowledged when PostgreSQL crashes and backends are killed under load', {
    skip,
  }, async () => {
    const ada = await register(url, 'Ada');
    const bob = await register(url, 'Bob');
    const bobWs = wsClient(wsUrl, bob.token);
    const feed = new FeedReader(bobWs.client);
    const codes = new Set<string>();
    const sent: string[] = [];
    let stop = false;
    /** Sends until stopped; a failed send is retried with the same id until it is answered. */
    const sender = async (from: TestIdentity, to: string) => {
      while (!stop) {
        const id = randomUUID();
        for (;;) {
          const r = await post(url, SEND, { input: { id, to, body: `m ${id}` } }, from.token).catch(
            () => null,
          );
          if (r?.status === 200 && r.body.data?.sendMessage?.id === id) break;
          if (r) codes.add(r.body.errors?.[0]?.extensions?.code ?? `HTTP ${r.status}`);
          await new Promise((res) => setTimeout(res, 20));
        }
        sent.push(id);
      }
    };
    const senders = [sender(ada, bob.address), sender(ada, bob.address), sender(ada, bob.address)];
    await eventually(async () => sent.length >= 10, 'some sends');
    await pgi.terminateBackends('callvault'); // mid-append, mid-read
    await eventually(async () => sent.length >= 20, 'sends after the kill');
    await pgi.restart('immediate'); // a crash
    await eventually(async () => sent.length >= 40, 'sends after the crash');
    stop = true;
    await Promise.all(senders);

    assert.deepEqual(
      [...codes].filter((c) => c !== 'UNAVAILABLE'),
      [],
      'only UNAVAILABLE, never an internal error',
    );
    const logged: string[] = [];
    for (let from = 0; ; ) {
      const page = await app.log.readAll(from, 1000);
      if (page.length === 0) break;
      for (const e of page) if (e.type === 'MessageSent') logged.push(e.id);
      from = page.at(-1)!.position;
    }
    const ours = logged.filter((id) => sent.includes(id));
    assert.equal(ours.length, sent.length, 'every acknowledged send is in the log');
    assert.equal(new Set(ours).size, ours.length, 'and only once');
    // Bob's feed carries each of them once (the feed resumes itself or via its position).
    const received = new Set<string>();
    while (received.size < sent.length) {
      const item = await feed.next((i) => i.__typename === 'MessageAdded');
      assert.ok(!received.has(item.message.id), 'no message twice in the feed');
      received.add(item.message.id);
    }
    await feed.close();
    await bobWs.client.dispose();
  });

  it('should mark a call missed once PostgreSQL is back when its ring timeout fell during the outage', {
    skip,
  }, async () => {
    const ada = await register(url, 'Ada');
    const bob = await register(url, 'Bob');
    const adaWs = wsClient(wsUrl, ada.token);
    const feed = new FeedReader(adaWs.client, 0, CALL_FEED);
    const placed = await gql(url, PLACE_CALL, { input: callToken(ada, bob.address) }, ada.token);
    const callId = placed.data!.placeCall.callId;
    // The ring timeout (1 s) falls while PostgreSQL is down: wait until its append failed.
    const logged = warnings.length;
    await pgi.stop('fast');
    await eventually(
      async () => warnings.slice(logged).some((w) => w.includes('"code":"UNAVAILABLE"')),
      'the ring timeout failing on the unavailable store',
    );
    await pgi.start();
    const missed = await feed.next(
      (i) => i.__typename === 'CallUpdated' && i.call.callId === callId && i.call.status === 'MISSED',
    );
    assert.equal(missed.call.reason, 'timeout');
    await feed.close();
    await adaWs.client.dispose();
  });

  it('should carry on a feed that was catching up while PostgreSQL was down once it is back', {
    skip,
  }, async () => {
    const ada = await register(url, 'Ada');
    const bob = await register(url, 'Bob');
    const hello = await post(
      url,
      SEND,
      { input: { id: randomUUID(), to: bob.address, body: 'earlier' } },
      ada.token,
    );
    assert.equal(hello.status, 200);
    const bobWs = wsClient(wsUrl, bob.token);
    const subscribers = app.services.feed.subscriberCount;
    await pgi.stop('fast');
    let feed: FeedReader;
    let first: Promise<any>;
    try {
      // From position 0: the feed must read Bob's history from the log, which is down.
      feed = new FeedReader(bobWs.client, 0);
      first = feed.next((i) => i.__typename === 'MessageAdded');
      await eventually(async () => app.services.feed.subscriberCount > subscribers, 'the feed subscription');
    } finally {
      await pgi.start();
    }
    assert.equal((await first).message.body, 'earlier');
    await feed.close();
    await bobWs.client.dispose();
  });
});
