/**
 * Web Push in real Chromium: the settings show the permission and try to subscribe; the
 * service worker shows what the server pushed. Headless Chromium has no reachable push
 * service (its pushManager.subscribe needs Google's), so the test registers the session's
 * subscription through the API with keys it made (the fake push service's device), lets the
 * server push to the fake service, and hands the decrypted payload to the service worker with
 * the DevTools protocol's ServiceWorker.deliverPushMessage — what Chromium does on receipt.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';
import { callToken, gql, PLACE_CALL, register, send } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { FakePushService } from '../support/push-service.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { ensureWebBuild } from '../support/web-build.ts';

/** A DevTools session on `page` and the id of its origin's activated service worker registration. */
async function serviceWorkerOf(
  context: BrowserContext,
  page: Page,
): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await context.newCDPSession(page);
  const id = new Promise<string>((resolve) => {
    cdp.on(
      'ServiceWorker.workerVersionUpdated',
      (e: { versions: { registrationId: string; status: string }[] }) => {
        const v = e.versions.find((x) => x.status === 'activated');
        if (v) resolve(v.registrationId);
      },
    );
  });
  await cdp.send('ServiceWorker.enable');
  return { cdp, id: await id };
}

describe('web push in Chromium', { skip: skipWithoutChromium() }, () => {
  let server: TestServer;
  let browser: Browser;
  let service: FakePushService;
  before(async () => {
    ensureWebBuild();
    service = await FakePushService.start();
    server = await startServer('memory', { MESSAGE_RATE_BURST: '1000' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await service?.close();
  });

  it('should show the permission, try to subscribe from settings, and show pushed messages and calls from the service worker', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: server.url });
    const page = await context.newPage();
    // The session token the app authenticates its socket with (graphql-ws connection_init).
    let token = '';
    page.on('websocket', (ws) =>
      ws.on('framesent', (f) => {
        const m = typeof f.payload === 'string' ? JSON.parse(f.payload) : null;
        if (m?.type === 'connection_init' && m.payload?.token) token = m.payload.token;
      }),
    );
    await page.goto(server.url);
    await page.getByLabel('Display name').fill('Bob');
    await page.getByRole('button', { name: 'Create identity' }).click();
    await page.locator('nav [data-tab="settings"]').click();
    const address = (await page.locator('[data-address]').textContent()) ?? '';
    const hint = page.locator('[data-push-permission]');
    await hint.filter({ hasText: 'Browser permission: allowed' }).waitFor();
    assert.equal(await hint.getAttribute('data-push-permission'), 'granted');

    // The toggle really calls pushManager.subscribe; without a reachable push service
    // Chromium refuses, and the settings say so instead of pretending.
    await page.getByLabel('Push notifications on this device').click();
    const problem = page.locator('[data-push-problem]');
    await problem.waitFor();
    assert.match(
      (await problem.textContent()) ?? '',
      /push service|Registration failed|AbortError|not available/i,
    );
    assert.equal(await page.getByLabel('Push notifications on this device').isChecked(), false);

    // Register this session's subscription with keys the test made, as the app would.
    assert.ok(token, 'the app’s session token');
    const device = service.device();
    const reg = await gql(
      server.url,
      'mutation($e: String!, $p: String!, $a: String!) { registerPush(endpoint: $e, p256dh: $p, auth: $a) { endpoint } }',
      { e: device.endpoint, p: device.p256dh, a: device.auth },
      token,
    );
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));

    // The tab closes: Bob is offline. Ada writes and calls.
    await page.close();
    await eventually(() => !server.app.services.feed.hasSubscribers(address), 'Bob’s feed to close');
    const ada = await register(server.url, 'Ada');
    const m = await send(server.url, ada, address, 'hi Bob');
    assert.equal(m.errors, undefined);
    const pushed = await service.next((r) => r.device === device.id && r.payload.kind === 'message-request');
    const t = callToken(ada, address, { media: 'VIDEO' });
    assert.equal((await gql(server.url, PLACE_CALL, { input: t }, ada.token)).errors, undefined);
    const ring = await service.next((r) => r.device === device.id && r.payload.kind === 'call');

    // Chromium receives them (delivered to the service worker as the push service would).
    const page2 = await context.newPage();
    await page2.goto(`${server.url}/`);
    const origin = new URL(server.url).origin;
    const { cdp, id } = await serviceWorkerOf(context, page2);
    for (const p of [pushed.payload, ring.payload]) {
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin,
        registrationId: id,
        data: JSON.stringify(p),
      });
    }
    const shown = async () =>
      page2.evaluate(async () => {
        const r = await navigator.serviceWorker.ready;
        return (await r.getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          tag: n.tag,
          actions: (n as any).actions?.map((a: any) => a.action),
        }));
      });
    let notes: Awaited<ReturnType<typeof shown>> = [];
    await eventually(async () => {
      notes = await shown();
      return notes.length >= 2;
    }, 'two notifications');
    assert.deepEqual(
      notes.sort((a, b) => a.tag.localeCompare(b.tag)),
      [
        {
          title: 'Ada is calling',
          body: 'Video call',
          tag: `call-${t.callId}`,
          actions: ['accept', 'decline'],
        },
        { title: 'Ada', body: 'Message request', tag: `conversation-${ada.address}`, actions: [] },
      ],
    );

    // Decline on the call notification declines the call (the service worker POSTs declineCall
    // with the session it finds in IndexedDB): the caller sees DECLINED, not a missed call.
    // Headless Chromium cannot press a notification's button, so the test runs the worker's
    // click handler (self.callvaultNotificationAction) on the notification it shows.
    const [worker] = context.serviceWorkers().length
      ? context.serviceWorkers()
      : [await context.waitForEvent('serviceworker')];
    const handled = await worker!.evaluate(async (tag) => {
      const sw = self as unknown as ServiceWorkerGlobalScope & {
        callvaultNotificationAction: (n: Notification, action: string) => Promise<void>;
      };
      const [note] = await sw.registration.getNotifications({ tag });
      if (!note) return 'no notification';
      await sw.callvaultNotificationAction(note, 'decline');
      return 'declined';
    }, `call-${t.callId}`);
    assert.equal(handled, 'declined');
    const seen = await gql(
      server.url,
      'query($id: ID!) { call(callId: $id) { status } }',
      { id: t.callId },
      ada.token,
    );
    assert.equal(seen.errors, undefined, JSON.stringify(seen.errors));
    assert.equal(seen.data?.call?.status, 'DECLINED');
    assert.equal(context.pages().length, 1, 'a successful decline opens no window');
    // When declining fails (here: the call is no longer ringing, so the server refuses), the
    // app opens on the call instead: the open tab is told to show it. (Outside a real click
    // Chromium refuses the worker's focus(); the message is sent before that.)
    const fallback = await worker!.evaluate(async (callId) => {
      const sw = self as unknown as ServiceWorkerGlobalScope & {
        callvaultNotificationAction: (n: Notification, action: string) => Promise<void>;
      };
      const tag = `retry-${callId}`;
      await sw.registration.showNotification('Ada is calling', { tag, data: { url: `/?call=${callId}` } });
      const [note] = await sw.registration.getNotifications({ tag });
      if (!note) return 'no notification';
      try {
        await sw.callvaultNotificationAction(note, 'decline');
        return 'done';
      } catch (error) {
        return String(error);
      }
    }, t.callId);
    assert.match(fallback, /^done$|focus/);
    await page2.locator('nav [data-tab="calls"][aria-current="page"]').waitFor();
    const after = await gql(
      server.url,
      'query($id: ID!) { call(callId: $id) { status } }',
      { id: t.callId },
      ada.token,
    );
    assert.equal(after.data?.call?.status, 'DECLINED');

    // A notification click opens the app on what it names: a new tab at the notification's
    // link, or an open tab told by the service worker ('callvault-open').
    const page3 = await context.newPage();
    await page3.goto(`${server.url}/?chat=${encodeURIComponent(ada.address)}`);
    const chat = page3.locator('cv-chat');
    await chat.waitFor();
    assert.equal(await chat.evaluate((el) => (el as unknown as { peer: string }).peer), ada.address);
    assert.equal(new URL(page3.url()).search, '', 'the link is taken off the address bar');
    await page3.locator('nav [data-tab="settings"]').click();
    await page3.evaluate(() =>
      navigator.serviceWorker.dispatchEvent(
        new MessageEvent('message', { data: { type: 'callvault-open', url: '/?tab=calls' } }),
      ),
    );
    await page3.locator('nav [data-tab="calls"][aria-current="page"]').waitFor();
    // Anything else in a link is ignored: a malformed address opens nothing.
    await page3.goto(`${server.url}/?chat=not-an-address`);
    await page3.locator('nav [data-tab="chats"]').waitFor();
    assert.equal(await page3.locator('cv-chat').count(), 0);
    await context.close();
  });
});
