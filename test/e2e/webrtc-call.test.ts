import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';
import { serveCallPage } from '../support/call-page.ts';
import { callToken, register, type TestIdentity } from '../support/client.ts';
import { type Coturn, skipWithoutCoturn, startCoturn } from '../support/coturn.ts';
import { startServer, type TestServer } from '../support/server.ts';

describe('a real video call: two Chromium pages, the GraphQL API and coturn', async () => {
  const skip = skipWithoutCoturn() || (await skipWithoutChromium());
  let coturn: Coturn;
  let s: TestServer;
  let page: { origin: string; server: Server };
  let browser: Browser;
  before(async () => {
    if (skip) return;
    coturn = await startCoturn({ secret: 'webrtc-test-secret' });
    page = await serveCallPage();
    s = await startServer('memory', {
      STUN_URLS: `stun:127.0.0.1:${coturn.port}`,
      TURN_MODE: 'rest',
      TURN_URLS: `turn:127.0.0.1:${coturn.port}?transport=udp`,
      TURN_SECRET: coturn.secret,
      ALLOWED_ORIGINS: page.origin,
    });
    browser = await launchChromium();
  });
  after(async () => {
    if (skip) return;
    await browser?.close();
    await s?.close();
    page?.server.close();
    await coturn?.stop();
  });

  async function open(who: TestIdentity): Promise<Page> {
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(page.origin);
    await p.evaluate((o) => (window as any).cv.start(o), {
      url: s.url,
      wsUrl: s.wsUrl,
      token: who.token,
      address: who.address,
    });
    return p;
  }

  it('should connect A and B through TURN relay, carry media both ways, and end with a duration', {
    skip,
  }, async () => {
    const ada = await register(s.url, 'Ada');
    const bob = await register(s.url, 'Bob');
    const [pa, pb] = [await open(ada), await open(bob)];

    const input = callToken(ada, bob.address, { media: 'VIDEO' });
    const placed = await pa.evaluate((i) => (window as any).cv.place(i), input);
    assert.equal(placed.status, 'PLACED');
    await pb.waitForFunction((id) => (window as any).cv.state.ringing === id, placed.callId);
    assert.equal(
      await pb.evaluate(() => (window as any).cv.state.tokenVerified),
      true,
      'B checked A’s signature itself',
    );
    await pb.evaluate(() => (window as any).cv.accept());

    for (const p of [pa, pb])
      await p.waitForFunction(() => (window as any).cv.state.connection === 'connected');
    const stats = async (p: Page) => p.evaluate(() => (window as any).cv.stats());
    for (const p of [pa, pb]) {
      // Right after `connected` the selected pair may still be settling: wait until there is one.
      await p.waitForFunction(async () => {
        const st = await (window as any).cv.stats();
        return st.local !== null && st.remote !== null;
      });
      const first = await stats(p);
      assert.deepEqual(
        [first.local, first.remote],
        ['relay', 'relay'],
        'the selected pair is relayed by coturn',
      );
      await p.waitForFunction(
        async (before) => ((await (window as any).cv.stats()).inbound as number) > before,
        first.inbound,
      );
    }
    const setupMs = await pa.evaluate(
      () => (window as any).cv.state.connectedAt - (window as any).cv.placedAt,
    );
    assert.ok(setupMs > 0);

    const ended = await pa.evaluate(() => (window as any).cv.hangUp());
    assert.equal(ended.status, 'ENDED');
    assert.ok(ended.durationMs > 0);
    await pb.waitForFunction((id) => (window as any).cv.state.calls[id]?.status === 'ENDED', placed.callId);
    const seenByB = await pb.evaluate((id) => (window as any).cv.state.calls[id], placed.callId);
    assert.equal(seenByB.durationMs, ended.durationMs);
    for (const p of [pa, pb]) assert.deepEqual(await p.evaluate(() => (window as any).cv.state.errors), []);
    console.log(`# call setup (place → connected through TURN): ${Math.round(setupMs)} ms`);
  });
});
