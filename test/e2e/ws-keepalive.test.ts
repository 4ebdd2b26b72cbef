import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type App, createApp } from '../../api/app.ts';
import { loadConfig } from '../../app/config.ts';
import { register, send, type TestIdentity } from '../support/client.ts';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../support/postgres.ts';
import { RawSocket } from '../support/raw-ws.ts';

/**
 * Keep-alive interval for these tests: production uses 12 s; the rule is the same. Not
 * shorter: server and clients share this process, and a stall of it longer than one
 * interval (a loaded CI machine) would rightly close the reading client too.
 */
const KEEP_ALIVE_MS = 1000;

/** Polls `condition` every 20 ms until it holds or `ms` pass. */
async function until(condition: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

for (const mode of ['memory', 'postgres'] as const) {
  describe(`a WebSocket client that stops reading (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let app: App;
    let db: TestDatabase | null = null;
    let wsUrl: string;
    let url: string;
    let ada: TestIdentity;
    let bob: TestIdentity;
    before(async () => {
      if (skip) return;
      db = mode === 'postgres' ? await createTestDatabase() : null;
      const config = loadConfig({
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        AUTH_RATE_BURST: '100000',
        AUTH_RATE_PER_MINUTE: '100000',
        ...(db ? { DATABASE_URL: db.url } : {}),
      });
      app = await createApp(config, { wsKeepAliveMs: KEEP_ALIVE_MS });
      const port = await app.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${port}`;
      wsUrl = `ws://127.0.0.1:${port}/graphql`;
      ada = await register(url, 'Ada');
      bob = await register(url, 'Bob');
    });
    after(async () => {
      if (skip) return;
      await app.close();
      await db?.drop();
    });

    it('should be closed by the keep-alive (1006) within two ping intervals while a reading client stays when both are idle', {
      skip,
    }, async () => {
      const reading = await RawSocket.open(wsUrl, ada.token);
      const stalled = await RawSocket.open(wsUrl, ada.token);
      let pings = 0;
      reading.ws.on('ping', () => {
        pings++;
      });
      try {
        stalled.subscribe('feed', 'subscription { feed { position } }');
        reading.subscribe('feed', 'subscription { feed { position } }');
        await until(() => app.services.feed.subscriberCount === 2, 5_000);
        const open = app.sockets.size;
        // Stop reading: the kernel keeps the bytes, no ping is seen, no pong goes back.
        (stalled.ws as unknown as { _socket: Socket })._socket.pause();
        // Something to send to it meanwhile: the server must not buffer it without bound.
        for (let i = 0; i < 20; i++) await send(url, bob, ada.address, `m${i} ${'x'.repeat(3000)}`);
        // Ping at one interval, no pong by the next: closed. Slack for a loaded machine.
        await until(() => app.sockets.size <= open - 1, 2 * KEEP_ALIVE_MS + 5_000);
        assert.equal(app.sockets.size, open - 1, 'only the stalled client was closed');
        (stalled.ws as unknown as { _socket: Socket })._socket.resume();
        assert.equal((await stalled.closed).code, 1006, 'no close frame: the peer was not reading');
        // The reading client answered every ping and got every message.
        assert.ok(reading.isOpen);
        await reading.waitFor((m) => m.id === 'feed' && JSON.stringify(m.payload).includes('position'));
        const seen = pings;
        await until(() => pings >= seen + 3, 20 * KEEP_ALIVE_MS + 5_000); // more pings answered
        assert.ok(reading.isOpen);
      } finally {
        reading.close();
        stalled.close();
      }
    });
  });
}
