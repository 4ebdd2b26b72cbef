/**
 * More of the embed in real Chromium, host pages on another origin (another loopback port):
 * <callvault-app> (the whole app inline), <cv-launcher> (bubble, panel, unread count), an
 * identity exported from the full app and imported inside the frame, signOut() while the
 * frame's socket is reconnecting, commands that settle when the frame never answers, and the
 * Storage Access API prompt (in a Chromium that partitions third-party storage, as shipped,
 * and in Playwright's default, which refuses it).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Frame, FrameLocator, Page } from 'playwright-core';
import { launchChromium, launchChromiumPartitioned, skipWithoutChromium } from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { type HostSite, hostEvents, startHostSite, waitForHostEvent } from '../support/host-site.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { ensureWebBuild } from '../support/web-build.ts';

const EVENTS = [
  'cv-ready',
  'cv-signed-in',
  'cv-signed-out',
  'cv-message',
  'cv-unread-changed',
  'cv-call-state',
  'cv-error',
  'cv-storage-access',
];
const PASSPHRASE = 'correct horse battery staple';

describe('embeddable elements in Chromium: app, launcher, import, sign-out, storage access', {
  skip: skipWithoutChromium(),
}, () => {
  let server: TestServer;
  let cv: string;
  let shop: HostSite;
  let browser: Browser;
  let dir: string;
  let owner: { context: BrowserContext; page: Page; address: string };

  before(async () => {
    ensureWebBuild();
    dir = mkdtempSync(join(tmpdir(), 'cv-embed-app-'));
    shop = await startHostSite();
    server = await startServer('memory', { ALLOWED_ORIGINS: shop.origin, MESSAGE_RATE_BURST: '1000' });
    cv = server.url.replace('127.0.0.1', 'localhost');
    browser = await launchChromium();
    owner = { ...(await fullApp(browser, 'Shop owner')) };
    const page = (path: string, body: string) =>
      shop.pages.set(path, {
        body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
          <script type="module" src="${cv}/embed/v1/callvault.js"></script></head><body>${body}</body></html>`,
      });
    page(
      '/app',
      `<h1>Shop</h1><callvault-app id="app" server="${cv}" style="height: 640px"></callvault-app>`,
    );
    page(
      '/launcher',
      `<h1>Shop</h1><p>Products</p>
       <button id="corner" style="position: fixed; right: 20px; bottom: 100px">Host button</button>
       <cv-launcher id="launcher" server="${cv}" with="${owner.address}"></cv-launcher>`,
    );
    page(
      '/chat',
      `<cv-chat id="chat" server="${cv}" with="${owner.address}" style="height: 520px"></cv-chat>`,
    );
    page('/empty', '<h1>Shop</h1>');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await shop?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Someone in the full app on CallVault's own origin, signed up as `name`. */
  async function fullApp(b: Browser, name: string) {
    const context = await b.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(cv);
    await page.getByLabel('Display name').fill(name);
    await page.getByRole('button', { name: 'Create identity' }).click();
    await page.locator('cv-connection-status [data-state="online"]').first().waitFor();
    await page.locator('nav [data-tab="settings"]').click();
    const address = (await page.locator('[data-address]').textContent()) ?? '';
    assert.match(address, /^cv1[a-z2-7]{39}$/);
    await page.locator('nav [data-tab="chats"]').click();
    return { context, page, address };
  }

  /** A shop page recording every cv-* event on its top document. */
  async function openShop(
    path: string,
    b: Browser = browser,
    beforeGoto?: (context: BrowserContext, page: Page) => Promise<void>,
  ): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await b.newContext();
    await context.addInitScript((events: string[]) => {
      if (window.top !== window) return;
      const w = window as any;
      w.__cvEvents = [];
      for (const type of events)
        document.addEventListener(type, (e) =>
          w.__cvEvents.push({ target: (e.target as Element).id, type, detail: (e as CustomEvent).detail }),
        );
    }, EVENTS);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await beforeGoto?.(context, page);
    await page.goto(shop.origin + path);
    return { context, page, problems };
  }

  const frameIn = (page: Page, id: string): FrameLocator => page.frameLocator(`#${id} iframe`);
  const frameOf = (page: Page, id: string): Promise<Frame> =>
    page
      .locator(`#${id} iframe`)
      .elementHandle()
      .then((h) => h!.contentFrame())
      .then((f) => f!);
  const hostStorage = (page: Page) =>
    page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
      databases: (await indexedDB.databases()).map((d) => d.name),
    }));
  const CLEAN = { local: 0, session: 0, cookie: '', databases: [] };

  /** The `storage-access` permission for frames of CallVault's origin on the shop, as a browser setting (CDP). */
  async function setStorageAccess(b: Browser, page: Page, setting: 'granted' | 'denied'): Promise<void> {
    const { targetInfo } = await (await page.context().newCDPSession(page)).send('Target.getTargetInfo');
    const cdp = await b.newBrowserCDPSession();
    // Overrides last as long as the DevTools session that set them: it stays attached.
    await cdp.send('Browser.setPermission', {
      permission: { name: 'storage-access' },
      setting,
      origin: shop.origin,
      embeddedOrigin: new URL(cv).origin,
      browserContextId: targetInfo.browserContextId,
    });
  }

  let appUser: { context: BrowserContext; page: Page; address: string };

  it('should run the whole app inline with <callvault-app>: sign up in the frame, message a full-app user', async () => {
    const visitor = await openShop('/app');
    const { page } = visitor;
    const ready = await waitForHostEvent(page, 'app', 'cv-ready');
    assert.equal(ready.signedIn, false);
    const app = frameIn(page, 'app');
    // No identity and no first-party storage in the frame: the Storage Access prompt is offered
    // above the app's onboarding.
    await app
      .locator('[data-access="prompt"]')
      .getByRole('button', { name: 'Use your CallVault identity' })
      .waitFor();
    assert.equal(
      Math.round(await page.locator('#app').evaluate((el) => el.getBoundingClientRect().height)),
      640,
    );
    await app.getByLabel('Display name').fill('Inline visitor');
    await app.getByRole('button', { name: 'Create identity' }).click();
    const signedIn = await waitForHostEvent(page, 'app', 'cv-signed-in');
    assert.equal(signedIn.displayName, 'Inline visitor');
    await app.locator('[data-access]').waitFor({ state: 'detached' });
    await app.locator('cv-connection-status [data-state="online"]').first().waitFor();

    await app.locator('nav [data-tab="contacts"]').click();
    await app.getByLabel('Their address').fill(owner.address);
    await app.getByLabel('Name for them').fill('Shop');
    await app.getByRole('button', { name: 'Add contact' }).click();
    await app.locator(`[data-contact="${owner.address}"]`).click();
    const composer = app.getByLabel('Message', { exact: true });
    await composer.fill('Hello from the inline app');
    await composer.press('Enter');
    const sent = await waitForHostEvent(page, 'app', 'cv-message', (d) => d.outgoing);
    assert.equal(sent.from, signedIn.address);
    await owner.page.locator(`cv-conversation-list [data-peer="${signedIn.address}"]`).click();
    await owner.page.locator('cv-chat li.msg.in', { hasText: 'Hello from the inline app' }).waitFor();
    assert.deepEqual(await hostStorage(page), CLEAN);
    assert.deepEqual(visitor.problems, []);
    appUser = { context: visitor.context, page, address: signedIn.address };
  });

  /** Calls signOut() on #app from the host page: its outcome and how long it took. */
  const signOutFromHost = (page: Page) =>
    page.evaluate(async () => {
      const started = performance.now();
      const outcome = await (document.querySelector('#app') as any).signOut().then(
        () => 'resolved',
        (e: Error) => `rejected: ${e.name} ${e.message}`,
      );
      return { outcome, took: performance.now() - started };
    });

  it('should resolve signOut() within a bounded time while the frame is reconnecting, and end the session on the server when it can', async () => {
    const { page, context, address } = appUser;
    const app = frameIn(page, 'app');
    // No network for the visitor, and the server drops every socket: the frame keeps trying to
    // reconnect. (Over that socket, the sign-out used to wait for ever.)
    await context.setOffline(true);
    server.app.sockets.closeAll();
    await app.locator('cv-connection-status [data-state="reconnecting"]').first().waitFor();
    const offline = await signOutFromHost(page);
    assert.equal(offline.outcome, 'resolved');
    assert.ok(offline.took < 8000, `signOut() took ${offline.took} ms`);
    await waitForHostEvent(page, 'app', 'cv-signed-out');
    await app.getByRole('button', { name: 'Create identity' }).waitFor();
    assert.deepEqual(await hostStorage(page), CLEAN);
    await context.setOffline(false);
    // The server was not reachable: that session ends when it expires (nothing recorded yet).
    const ended = async (a: string) =>
      (await server.app.log.readStream(`identity-${a}`)).filter((e) => e.type === 'SessionEnded').length;
    assert.equal(await ended(address), 0);

    // Reachable, with the socket just dropped and reconnecting: the server is told (over HTTP).
    await app.getByLabel('Display name').fill('Second visitor');
    await app.getByRole('button', { name: 'Create identity' }).click();
    const second = await waitForHostEvent(
      page,
      'app',
      'cv-signed-in',
      (d) => d.displayName === 'Second visitor',
    );
    await app.locator('cv-connection-status [data-state="online"]').first().waitFor();
    server.app.sockets.closeAll();
    await app.locator('cv-connection-status [data-state="reconnecting"]').first().waitFor();
    const online = await signOutFromHost(page);
    assert.equal(online.outcome, 'resolved');
    assert.ok(online.took < 8000, `signOut() took ${online.took} ms`);
    await eventually(
      async () =>
        (await hostEvents(page)).filter((e) => e.target === 'app' && e.type === 'cv-signed-out').length === 2,
      'a second cv-signed-out',
    );
    assert.equal(await ended(second.address), 1);
    assert.deepEqual(await hostStorage(page), CLEAN);
    await context.close();
  });

  it('should settle every command: a typed timeout when the frame navigated away, removed when the element goes', async () => {
    const { page, context, problems } = await openShop('/empty');
    await page.evaluate(
      ({ server, owner }) => {
        const chat = document.createElement('cv-chat');
        chat.id = 'quick';
        chat.setAttribute('server', server);
        chat.setAttribute('with', owner);
        chat.setAttribute('command-timeout', '1500');
        document.body.append(chat);
      },
      { server: cv, owner: owner.address },
    );
    await waitForHostEvent(page, 'quick', 'cv-ready');
    await page.evaluate(() => (document.querySelector('#quick') as any).setTheme());
    // The frame goes somewhere else: commands reach no embed any more.
    const frame = await frameOf(page, 'quick');
    await frame.evaluate(() => location.assign('/embed/v1/gone'));
    await eventually(() => !frame.url().includes('/embed/v1/frame'), 'the frame navigated away');
    const result = await page.evaluate(async () => {
      const started = performance.now();
      try {
        await (document.querySelector('#quick') as any).setTheme();
        return { outcome: 'resolved' };
      } catch (e: any) {
        return {
          outcome: 'rejected',
          name: e.name,
          code: e.code,
          command: e.command,
          took: performance.now() - started,
        };
      }
    });
    assert.deepEqual(
      { ...result, took: undefined },
      { outcome: 'rejected', name: 'CvCommandError', code: 'timeout', command: 'setTheme', took: undefined },
    );
    assert.ok(result.took! >= 1400 && result.took! < 5000, `rejected after ${result.took} ms`);

    // Queued before the frame is ready, then the element leaves the page.
    const removed = await page.evaluate(async (server) => {
      const chat = document.createElement('cv-chat') as any;
      chat.setAttribute('server', server);
      chat.setAttribute('with', 'cv1aaaa');
      document.body.append(chat);
      const pending = chat.signOut().then(
        () => ({ outcome: 'resolved' }),
        (e: any) => ({ outcome: 'rejected', name: e.name, code: e.code, command: e.command }),
      );
      chat.remove();
      return pending;
    }, cv);
    assert.deepEqual(removed, {
      outcome: 'rejected',
      name: 'CvCommandError',
      code: 'removed',
      command: 'signOut',
    });
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('should float <cv-launcher> in the corner, open and close its panel, and count unread messages while closed', async () => {
    const { page, context, problems } = await openShop('/launcher');
    await waitForHostEvent(page, 'launcher', 'cv-ready');
    const bubble = page.locator('#launcher').getByRole('button', { name: 'Chat with us' });
    const box = (await bubble.boundingBox())!;
    const viewport = page.viewportSize()!;
    assert.equal(Math.round(viewport.width - (box.x + box.width)), 20);
    assert.equal(Math.round(viewport.height - (box.y + box.height)), 20);
    assert.equal(Math.round(box.width), 56);
    // Closed, the panel takes no clicks: the host's own button where it would open is reachable.
    await page.locator('#corner').click({ timeout: 5000 });
    assert.equal(
      await page.evaluate(() => {
        const corner = document.querySelector('#corner')!.getBoundingClientRect();
        return document.elementFromPoint(corner.x + 5, corner.y + 5)?.id;
      }),
      'corner',
    );
    const panel = page.locator('#launcher').locator('.panel');
    assert.equal(await panel.isVisible(), false);

    // A click opens it; the visitor signs up inside.
    await bubble.click();
    await panel.waitFor({ state: 'visible' });
    assert.equal(await page.locator('#launcher').getAttribute('open'), '');
    const frame = frameIn(page, 'launcher');
    await frame.getByLabel('Display name').fill('Launcher visitor');
    await frame.getByRole('button', { name: 'Create identity' }).click();
    const me = await waitForHostEvent(page, 'launcher', 'cv-signed-in');
    // open() shows the conversation; the visitor writes, then close() hides the panel.
    await page.evaluate(() => (document.querySelector('#launcher') as any).open());
    const composer = frame.getByLabel('Message', { exact: true });
    await composer.fill('Hello from the bubble');
    await composer.press('Enter');
    await waitForHostEvent(page, 'launcher', 'cv-message', (d) => d.outgoing);
    await page.evaluate(() => (document.querySelector('#launcher') as any).close());
    await panel.waitFor({ state: 'hidden' });
    assert.equal(await page.locator('#launcher').getAttribute('open'), null);

    // The owner answers while the panel is closed: the count goes up, the badge shows it.
    await owner.page.locator(`cv-conversation-list [data-peer="${me.address}"]`).click();
    await owner.page.locator('cv-chat li.msg.in', { hasText: 'Hello from the bubble' }).waitFor();
    await owner.page.getByRole('button', { name: 'Accept' }).click();
    const reply = owner.page.getByLabel('Message', { exact: true });
    await reply.fill('We are here');
    await reply.press('Enter');
    assert.deepEqual(await waitForHostEvent(page, 'launcher', 'cv-unread-changed', (d) => d.count === 1), {
      count: 1,
    });
    await page.locator('#launcher').getByRole('button', { name: 'Chat with us (1 unread)' }).waitFor();
    assert.equal(await page.locator('#launcher .badge').textContent(), '1');

    // Opening reads it: the count drops to 0.
    await page.locator('#launcher').getByRole('button', { name: 'Chat with us (1 unread)' }).click();
    await frame.locator('cv-chat li.msg.in', { hasText: 'We are here' }).waitFor();
    await waitForHostEvent(page, 'launcher', 'cv-unread-changed', (d) => d.count === 0);
    assert.equal(await page.locator('#launcher .badge').count(), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('should import a backup exported from the full app inside the frame, and then be that identity', async () => {
    const traveller = await fullApp(browser, 'Traveller');
    const { page: full } = traveller;
    await full.locator('nav [data-tab="settings"]').click();
    await full.getByRole('button', { name: 'Back up key…' }).click();
    await full.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await full.getByLabel('Passphrase again').fill(PASSPHRASE);
    const download = full.waitForEvent('download');
    await full.getByRole('button', { name: 'Download backup' }).click();
    const file = join(dir, (await download).suggestedFilename());
    await (await download).saveAs(file);

    const { page, context, problems } = await openShop('/chat');
    await waitForHostEvent(page, 'chat', 'cv-ready', (d) => d.signedIn === false);
    const frame = frameIn(page, 'chat');
    await frame.getByText('I have a backup').click();
    await frame.getByLabel('Backup file').setInputFiles(file);
    await frame.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await frame.getByRole('button', { name: 'Restore identity' }).click();
    const signedIn = await waitForHostEvent(page, 'chat', 'cv-signed-in');
    assert.equal(signedIn.address, traveller.address);
    assert.equal(signedIn.displayName, 'Traveller');

    const composer = frame.getByLabel('Message', { exact: true });
    await composer.fill('Written from the shop, as the traveller');
    await composer.press('Enter');
    const sent = await waitForHostEvent(page, 'chat', 'cv-message', (d) => d.outgoing);
    assert.equal(sent.from, traveller.address);
    // The owner gets it from the traveller's address; the traveller's full app shows it as theirs.
    await owner.page.locator(`cv-conversation-list [data-peer="${traveller.address}"]`).click();
    await owner.page
      .locator('cv-chat li.msg.in', { hasText: 'Written from the shop, as the traveller' })
      .waitFor();
    await full.locator('nav [data-tab="chats"]').click();
    await full.locator(`cv-conversation-list [data-peer="${owner.address}"]`).click();
    await full
      .locator('cv-chat li.msg.out', { hasText: 'Written from the shop, as the traveller' })
      .waitFor();
    assert.deepEqual(await hostStorage(page), CLEAN);
    assert.deepEqual(problems, []);
    await context.close();
    await traveller.context.close();
  });

  it('should ask silently with an earlier grant (no prompt), and say so when the browser still refuses the storage', async () => {
    // Playwright's Chromium refuses third-party storage; a grant does not change that. The
    // grant is a browser setting here (CDP), made on a loaded page, then the page reloads.
    const { page, context } = await openShop('/chat');
    await waitForHostEvent(page, 'chat', 'cv-ready');
    await setStorageAccess(browser, page, 'granted');
    await page.reload();
    const ready = await waitForHostEvent(page, 'chat', 'cv-ready');
    assert.equal(ready.storage, 'page');
    const frame = frameIn(page, 'chat');
    await frame.locator('[data-access="denied"]').waitFor();
    assert.equal(await frame.getByRole('button', { name: 'Use your CallVault identity' }).count(), 0);
    // The grant is there for the frame; it asked without a click (only the outcome is shown,
    // no button), and the browser's refusal of the handle's IndexedDB is what it says.
    assert.equal(
      await (await frameOf(page, 'chat')).evaluate(
        async () => (await navigator.permissions.query({ name: 'storage-access' as PermissionName })).state,
      ),
      'granted',
    );
    await frame.getByText(/lets CallVault keep nothing here/).waitFor();
    await context.close();
  });

  describe('in a Chromium that partitions third-party storage (as shipped)', () => {
    let partitioned: Browser;
    before(async () => {
      partitioned = await launchChromiumPartitioned();
    });
    after(async () => {
      await partitioned?.close();
    });

    it('should offer "Use your CallVault identity", and on a refusal keep the partitioned identity and say so', async () => {
      const { page, context, problems } = await openShop('/chat', partitioned);
      const ready = await waitForHostEvent(page, 'chat', 'cv-ready');
      assert.deepEqual(ready, { signedIn: false, address: null, storage: 'persistent' });
      const frame = frameIn(page, 'chat');
      const ask = frame.getByRole('button', { name: 'Use your CallVault identity' });
      await ask.waitFor();
      assert.equal(await (await frameOf(page, 'chat')).evaluate(() => document.hasStorageAccess()), false);
      // The visitor (here: the browser setting) refuses.
      await setStorageAccess(partitioned, page, 'denied');
      await ask.click();
      assert.deepEqual(await waitForHostEvent(page, 'chat', 'cv-storage-access'), {
        granted: false,
        storage: 'persistent',
      });
      await frame
        .locator('[data-access="denied"]')
        .getByText(/this site has its own CallVault identity/)
        .waitFor();
      await frame.getByLabel('Display name').fill('Partitioned visitor');
      await frame.getByRole('button', { name: 'Create identity' }).click();
      const me = await waitForHostEvent(page, 'chat', 'cv-signed-in');
      // Kept in the frame's partitioned storage: a reload is still signed in, with no prompt.
      await page.reload();
      assert.deepEqual(await waitForHostEvent(page, 'chat', 'cv-ready'), {
        signedIn: true,
        address: me.address,
        storage: 'persistent',
      });
      await frame.getByLabel('Message', { exact: true }).waitFor();
      assert.equal(await frame.locator('[data-access]').count(), 0);
      assert.deepEqual(await hostStorage(page), CLEAN);
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
});
