/**
 * The embeddable elements in real Chromium: a shop on another origin (another loopback port)
 * embeds <cv-chat> and <cv-call-button> under a strict CSP; its visitor creates an identity
 * inside the frame, chats with and calls the shop owner, who uses the full app. Commands and
 * events round-trip; an origin outside ALLOWED_ORIGINS can neither frame nor drive the embed;
 * forged messages are ignored; the shop's own storage holds nothing of CallVault's.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Frame, FrameLocator, Page } from 'playwright-core';
import { signHandover } from '../../app/identity/handover.ts';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';
import { type Coturn, skipWithoutCoturn, startCoturn } from '../support/coturn.ts';
import { eventually } from '../support/eventually.ts';
import { type HostSite, hostEvents, startHostSite, waitForHostEvent } from '../support/host-site.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { ensureWebBuild } from '../support/web-build.ts';

describe('embeddable elements in Chromium', { skip: skipWithoutChromium() || skipWithoutCoturn() }, () => {
  let server: TestServer;
  /** CallVault as browsers reach it: `localhost`, a different origin from the shop's 127.0.0.1. */
  let cv: string;
  let shop: HostSite;
  let evil: HostSite;
  let coturn: Coturn;
  let browser: Browser;
  let owner: { context: BrowserContext; page: Page; address: string };
  let visitor: { context: BrowserContext; page: Page; problems: string[] };
  let visitorAddress = '';
  let storage: 'persistent' | 'page' = 'persistent';
  /** The shop's handover secret (EMBED_SITE_SECRETS), as its backend holds it. */
  const shopSecret = randomBytes(32);

  before(async () => {
    ensureWebBuild();
    coturn = await startCoturn({ secret: 'embed-test-secret' });
    shop = await startHostSite();
    evil = await startHostSite();
    server = await startServer('memory', {
      ALLOWED_ORIGINS: shop.origin,
      EMBED_SITE_SECRETS: `${shop.origin}=${shopSecret.toString('base64url')}`,
      STUN_URLS: `stun:127.0.0.1:${coturn.port}`,
      TURN_MODE: 'rest',
      TURN_URLS: `turn:127.0.0.1:${coturn.port}?transport=udp`,
      TURN_SECRET: coturn.secret,
    });
    cv = server.url.replace('127.0.0.1', 'localhost');
    browser = await launchChromium();
    // The shop owner, in the full app on CallVault's own origin; calls only through coturn.
    const context = await browser.newContext();
    await context.addInitScript(() => localStorage.setItem('callvault.relayOnly', '1'));
    const page = await context.newPage();
    await page.goto(cv);
    await page.getByLabel('Display name').fill('Shop owner');
    await page.getByRole('button', { name: 'Create identity' }).click();
    await page.locator('cv-connection-status [data-state="online"]').first().waitFor();
    await page.locator('nav [data-tab="settings"]').click();
    const address = (await page.locator('[data-address]').textContent()) ?? '';
    assert.match(address, /^cv1[a-z2-7]{39}$/);
    await page.locator('nav [data-tab="chats"]').click();
    owner = { context, page, address };
    shopPages();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await shop?.close();
    await evil?.close();
    await coturn?.stop();
  });

  /** The shop's strict CSP: scripts and frames only from CallVault, nothing inline anywhere. */
  const shopCsp = () =>
    [
      "default-src 'none'",
      `script-src ${cv}`,
      "style-src 'self'",
      `frame-src ${cv} ${evil.origin}`,
      "connect-src 'none'",
      "img-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; ');

  function shopPages(): void {
    shop.pages.set('/', {
      headers: { 'content-security-policy': shopCsp() },
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
        <link rel="stylesheet" href="/shop.css">
        <script type="module" src="${cv}/embed/v1/callvault.js"></script></head>
        <body><h1>Shop</h1>
        <cv-chat id="chat" server="${cv}" with="${owner.address}"></cv-chat>
        <cv-call-button id="button" server="${cv}" to="${owner.address}" media="video"></cv-call-button>
        </body></html>`,
    });
    shop.pages.set('/shop.css', {
      type: 'text/css',
      body: 'cv-chat { --cv-accent: rgb(200, 0, 100); --cv-radius: 3px; height: 420px; }',
    });
    // A page of the shop's origin with a frame from another site in it (an ad, a widget).
    shop.pages.set('/with-widget', {
      headers: { 'content-security-policy': shopCsp() },
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
        <script type="module" src="${cv}/embed/v1/callvault.js"></script></head>
        <body><cv-chat id="chat" server="${cv}" with="${owner.address}"></cv-chat>
        <iframe id="widget" title="widget" src="${evil.origin}/widget"></iframe></body></html>`,
    });
    evil.pages.set('/widget', { body: '<!doctype html><title>widget</title><p>widget</p>' });
    // A site not in ALLOWED_ORIGINS: frames the embed directly (claiming its own origin, and
    // claiming the shop's) and loads the library.
    evil.pages.set('/', {
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Evil</title>
        <script type="module" src="${cv}/embed/v1/callvault.js"></script></head><body>
        <iframe id="own" title="a" src="${cv}/embed/v1/frame?view=chat&with=${owner.address}&origin=${encodeURIComponent(evil.origin)}"></iframe>
        <iframe id="lying" title="b" src="${cv}/embed/v1/frame?view=chat&with=${owner.address}&origin=${encodeURIComponent(shop.origin)}"></iframe>
        </body></html>`,
    });
  }

  /** A page on the shop recording every cv-* event and CSP violation (CDP init scripts are not subject to the CSP). */
  async function openShop(path = '/'): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext();
    await context.addInitScript((cvOrigin: string) => {
      if (location.origin === cvOrigin) {
        // Calls through coturn where the frame may keep storage (refused in headless Chromium).
        try {
          localStorage.setItem('callvault.relayOnly', '1');
        } catch {}
        return;
      }
      if (window.top !== window) return;
      const w = window as any;
      w.__cvEvents = [];
      w.__cspViolations = [];
      for (const type of [
        'cv-ready',
        'cv-signed-in',
        'cv-signed-out',
        'cv-message',
        'cv-unread-changed',
        'cv-call-state',
        'cv-error',
        'cv-verified',
      ]) {
        document.addEventListener(type, (e) =>
          w.__cvEvents.push({ target: (e.target as Element).id, type, detail: (e as CustomEvent).detail }),
        );
      }
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    }, cv);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(shop.origin + path);
    return { context, page, problems };
  }

  const chatFrame = (page: Page): FrameLocator => page.frameLocator('#chat iframe');
  const buttonFrame = (page: Page): FrameLocator => page.frameLocator('#button iframe');
  const frameOf = (page: Page, id: string): Promise<Frame> =>
    page
      .locator(`#${id} iframe`)
      .elementHandle()
      .then((h) => h!.contentFrame())
      .then((f) => f!);
  const iframeHeight = (page: Page, id: string) =>
    page
      .locator(`#${id}`)
      .evaluate((el) => el.shadowRoot!.querySelector('iframe')!.getBoundingClientRect().height);

  it('should let a visitor on another origin create an identity inside the frame, with the frame sized and themed by the host', async () => {
    visitor = await openShop();
    const { page } = visitor;
    const ready = await waitForHostEvent(page, 'chat', 'cv-ready');
    assert.deepEqual(
      { ...ready, storage: undefined },
      { signedIn: false, address: null, storage: undefined },
    );
    // Headless Chromium refuses third-party storage (as with third-party cookies blocked):
    // the frame says so, and keeps the identity for the page's life.
    storage = ready.storage;
    assert.ok(storage === 'persistent' || storage === 'page');
    await waitForHostEvent(page, 'button', 'cv-ready');
    // The call button's frame is as tall as its content: the onboarding form, for now.
    await buttonFrame(page).getByRole('button', { name: 'Create identity' }).waitFor();
    await eventually(
      async () => (await iframeHeight(page, 'button')) > 200,
      'the button frame sized to onboarding',
    );
    const onboardingHeight = await iframeHeight(page, 'button');

    await chatFrame(page).getByLabel('Display name').fill('Visitor');
    await chatFrame(page).getByRole('button', { name: 'Create identity' }).click();
    const signedIn = await waitForHostEvent(page, 'chat', 'cv-signed-in');
    assert.equal(signedIn.displayName, 'Visitor');
    assert.match(signedIn.address, /^cv1[a-z2-7]{39}$/);
    visitorAddress = signedIn.address;
    // The other frame of the same page shares the identity (same storage partition).
    assert.equal((await waitForHostEvent(page, 'button', 'cv-signed-in')).address, visitorAddress);
    await buttonFrame(page).getByRole('button', { name: 'Video call' }).waitFor();
    await eventually(
      async () => (await iframeHeight(page, 'button')) < onboardingHeight / 2,
      'the button frame shrunk to the button',
    );
    // The host's stylesheet sizes <cv-chat> (the frame fills it).
    assert.equal(Math.round(await iframeHeight(page, 'chat')), 420);

    // The theme set in the shop's CSS is what the frame's buttons show.
    const send = chatFrame(page).getByRole('button', { name: 'Send' });
    const accent = () => send.evaluate((b) => getComputedStyle(b).backgroundColor);
    await eventually(async () => (await accent()) === 'rgb(200, 0, 100)', 'the host accent in the frame');
    assert.equal(await send.evaluate((b) => getComputedStyle(b).borderTopLeftRadius), '3px');
    // setTheme() re-reads the element's custom properties and resolves once the frame applied them.
    await page.evaluate(async () => {
      const chat = document.querySelector('#chat') as any;
      chat.style.setProperty('--cv-accent', 'rgb(0, 128, 0)');
      await chat.setTheme();
    });
    assert.equal(await accent(), 'rgb(0, 128, 0)');
    // The theme attribute forces a scheme inside the frame.
    await page.evaluate(() => (document.querySelector('#chat') as any).setAttribute('theme', 'dark'));
    const chat = await frameOf(page, 'chat');
    await eventually(
      () => chat.evaluate(() => document.documentElement.dataset.theme === 'dark'),
      'the dark scheme in the frame',
    );
  });

  it('should verify a handover the shop signed, by postMessage only, once, and refuse a forged one', async () => {
    const { page } = visitor;
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    const nonce = randomBytes(18).toString('base64url');
    const claims = { site: shop.origin, sub: 'shop-customer-7', name: 'Vera', nonce };
    const assertion = signHandover({ ...claims, exp: Math.floor(Date.now() / 1000) + 300 }, shopSecret);
    const handover = (a: string) =>
      page.evaluate(
        (a) =>
          (document.querySelector('#chat') as any).handover(a).then(
            () => 'ok',
            (e: Error) => e.message,
          ),
        a,
      );
    assert.equal(await handover(assertion), 'ok');
    const verified = await waitForHostEvent(page, 'chat', 'cv-verified');
    assert.deepEqual(
      { site: verified.site, subject: verified.subject, name: verified.name },
      { site: shop.origin, subject: 'shop-customer-7', name: 'Vera' },
    );
    const vouched = (await server.app.log.readStream(`identity-${visitorAddress}`)).filter(
      (e) => e.type === 'EmbedIdentityVouched',
    );
    assert.deepEqual(
      vouched.map((e) => (e.data as any).subject),
      ['shop-customer-7'],
    );
    // Used once; a forged one (another secret) is refused with the server's reason.
    assert.match(await handover(assertion), /already used/);
    const forged = signHandover(
      { ...claims, nonce: randomBytes(18).toString('base64url'), exp: Math.floor(Date.now() / 1000) + 300 },
      randomBytes(32),
    );
    assert.match(await handover(forged), /signature does not match/);
    assert.equal(
      (await server.app.log.readStream(`identity-${visitorAddress}`)).filter(
        (e) => e.type === 'EmbedIdentityVouched',
      ).length,
      1,
    );
    assert.deepEqual(
      urls.filter((u) => u.includes(assertion.slice(0, 20)) || u.includes(forged.slice(-20))),
      [],
      'the assertion is never in a URL',
    );
  });

  it('should carry messages between the embed and the full app, with cv-message and cv-unread-changed on the host', async () => {
    const { page } = visitor;
    const composer = chatFrame(page).getByLabel('Message', { exact: true });
    await composer.fill('Hello from the shop');
    await composer.press('Enter');
    const sent = await waitForHostEvent(page, 'chat', 'cv-message', (d) => d.outgoing === true);
    assert.equal(sent.from, visitorAddress);
    // No body reaches the host page: it stays in the frame.
    assert.deepEqual(Object.keys(sent).sort(), ['from', 'id', 'outgoing', 'sentAt']);

    // The owner gets a message request from the visitor, accepts it and answers.
    const row = owner.page.locator(`cv-conversation-list [data-peer="${visitorAddress}"]`);
    await row.click();
    await owner.page.locator('cv-chat li.msg.in', { hasText: 'Hello from the shop' }).waitFor();
    await owner.page.getByRole('button', { name: 'Accept' }).click();
    const reply = owner.page.getByLabel('Message', { exact: true });
    await reply.fill('Welcome! How can I help?');
    await reply.press('Enter');

    const received = await waitForHostEvent(page, 'chat', 'cv-message', (d) => d.outgoing === false);
    assert.equal(received.from, owner.address);
    await chatFrame(page).locator('cv-chat li.msg.in', { hasText: 'Welcome! How can I help?' }).waitFor();
    // The chat has the conversation open, so nothing is unread there; the call button's frame
    // does not show it, so it counts it.
    assert.deepEqual(await waitForHostEvent(page, 'button', 'cv-unread-changed'), { count: 1 });
    const chatUnread = (await hostEvents(page)).filter(
      (e) => e.target === 'chat' && e.type === 'cv-unread-changed',
    );
    assert.equal(chatUnread.at(-1)?.detail.count ?? 0, 0);
    await owner.page.locator('cv-chat li.msg.out .mark[data-status="READ"]').waitFor();
  });

  /** Frames the <video> decoded so far. */
  const framesOf = (locator: ReturnType<FrameLocator['locator']>) =>
    locator.evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames);
  async function framesGrow(locator: ReturnType<FrameLocator['locator']>, what: string): Promise<void> {
    const first = await framesOf(locator);
    await eventually(async () => (await framesOf(locator)) > first, `${what}: video frames growing`);
  }

  it('should place a video call from call() on <cv-call-button> to the full app and hang it up with hangUp()', async () => {
    const { page } = visitor;
    await page.evaluate(() => (document.querySelector('#button') as any).call());
    assert.equal(
      (await waitForHostEvent(page, 'button', 'cv-call-state', (d) => d.phase === 'calling')).media,
      'video',
    );
    await owner.page.getByRole('button', { name: 'Accept with video' }).click();
    const connected = await waitForHostEvent(page, 'button', 'cv-call-state', (d) => d.phase === 'connected');
    assert.equal(connected.peer, owner.address);
    await framesGrow(buttonFrame(page).locator('cv-call video.remote'), 'visitor sees the owner');
    await framesGrow(owner.page.locator('cv-call video.remote') as any, 'owner sees the visitor');
    // The button's frame grew to show the call.
    assert.ok((await iframeHeight(page, 'button')) >= 400);

    await page.evaluate(() => (document.querySelector('#button') as any).hangUp());
    assert.equal(
      (await waitForHostEvent(page, 'button', 'cv-call-state', (d) => d.phase === 'ended')).reason,
      'hangup',
    );
    await owner.page.locator('cv-call [data-phase="ended"]').waitFor();
  });

  it('should keep everything of CallVault out of the host origin, and run under its strict CSP', async () => {
    const { page, problems } = visitor;
    const hostStorage = await page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
      databases: (await indexedDB.databases()).map((d) => d.name),
      caches: await caches.keys().catch(() => []),
    }));
    assert.deepEqual(hostStorage, { local: 0, session: 0, cookie: '', databases: [], caches: [] });
    // Not vacuous: the frame, on CallVault's origin, holds the identity (in IndexedDB when
    // the browser lets a third-party frame keep storage, else in the frame's memory).
    const chat = await frameOf(page, 'chat');
    if (storage === 'persistent') {
      assert.deepEqual(await chat.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), [
        'callvault',
      ]);
    }
    await chatFrame(page).getByLabel('Message', { exact: true }).waitFor();
    assert.deepEqual(await page.evaluate(() => (window as any).__cspViolations), []);
    assert.deepEqual(problems, []);
  });

  it('should ignore forged messages from another window, in both directions', async () => {
    const { page } = await openShop('/with-widget');
    await waitForHostEvent(page, 'chat', 'cv-ready', (d) => d.signedIn === false);
    const widget = page.frame({ url: `${evil.origin}/widget` })!;
    // A frame of another site posts well-formed events to the host page.
    await widget.evaluate((owner) => {
      parent.postMessage(
        {
          cv: 1,
          kind: 'event',
          type: 'message',
          payload: { id: 'forged', from: owner, outgoing: false, sentAt: 1 },
        },
        '*',
      );
      parent.postMessage(
        { cv: 1, kind: 'event', type: 'signed-in', payload: { address: owner, displayName: 'Forged' } },
        '*',
      );
    }, owner.address);
    // Another window (a same-origin blank frame of the page) gets hold of the embed's frame
    // and posts well-formed commands to it, to CallVault's origin.
    await page.evaluate(() => {
      const forger = document.createElement('iframe');
      forger.id = 'forger';
      forger.title = 'forger';
      document.body.append(forger);
    });
    const forger = (await page
      .locator('#forger')
      .elementHandle()
      .then((h) => h!.contentFrame()))!;
    await forger.evaluate((cvOrigin) => {
      const target = parent.document.querySelector('#chat')!.shadowRoot!.querySelector('iframe')!
        .contentWindow!;
      target.postMessage(
        {
          cv: 1,
          kind: 'command',
          id: 'forged1',
          type: 'setTheme',
          payload: { vars: { '--cv-accent': 'rgb(1, 2, 3)' }, scheme: 'dark' },
        },
        cvOrigin,
      );
      target.postMessage(
        { cv: 1, kind: 'command', id: 'forged2', type: 'call', payload: { media: 'audio' } },
        cvOrigin,
      );
    }, cv);
    // The host page itself posting an event to itself is not the frame either.
    await page.evaluate((owner) => {
      window.postMessage(
        {
          cv: 1,
          kind: 'event',
          type: 'message',
          payload: { id: 'forged-self', from: owner, outgoing: false, sentAt: 1 },
        },
        '*',
      );
    }, owner.address);
    // A real command round-trips after them (messages are delivered in order).
    await page.evaluate(() => (document.querySelector('#chat') as any).setTheme());
    const recorded = await hostEvents(page);
    assert.deepEqual(
      recorded.filter((e) => e.type === 'cv-message' || e.type === 'cv-signed-in'),
      [],
    );
    const chat = await frameOf(page, 'chat');
    assert.equal(await chat.evaluate(() => document.documentElement.dataset.theme ?? 'auto'), 'auto');
    assert.notEqual(
      await chat.evaluate(() =>
        getComputedStyle(document.documentElement).getPropertyValue('--cv-accent').trim(),
      ),
      'rgb(1, 2, 3)',
    );
    await page.context().close();
  });

  it('should not let an origin outside ALLOWED_ORIGINS frame the embed or load the library', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('console', (m) => {
      if (/frame-ancestors/.test(m.text())) refused.push(m.text());
    });
    await page.goto(evil.origin);
    await eventually(() => refused.length >= 2, 'both frames refused by frame-ancestors');
    for (const id of ['own', 'lying']) {
      const frame = await page
        .locator(`#${id}`)
        .elementHandle()
        .then((h) => h!.contentFrame());
      const embedded = await frame!
        .evaluate(() => document.querySelector('cv-embed-view') !== null)
        .catch(() => false);
      assert.equal(embedded, false, `#${id} must not run the embed`);
    }
    // The library is not served to it (CORS), so no element gets defined there.
    assert.equal(await page.evaluate(() => customElements.get('cv-chat') === undefined), true);
    await context.close();
  });

  it('should answer the embed routes with frame-ancestors, CORS and caching by origin', async () => {
    const frameUrl = (origin: string) =>
      `${cv}/embed/v1/frame?view=chat&with=${owner.address}&origin=${encodeURIComponent(origin)}`;
    const allowed = await fetch(frameUrl(shop.origin));
    assert.equal(allowed.status, 200);
    assert.match(
      allowed.headers.get('content-security-policy') ?? '',
      new RegExp(`frame-ancestors ${shop.origin}(;|$)`),
    );
    assert.equal(allowed.headers.get('x-frame-options'), null);
    const foreign = await fetch(frameUrl(evil.origin));
    assert.equal(foreign.status, 403);
    assert.match(foreign.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(foreign.headers.get('x-frame-options'), 'DENY');
    // The full app may not be framed by anyone.
    const app = await fetch(`${cv}/`);
    assert.match(app.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(app.headers.get('x-frame-options'), 'DENY');

    const script = await fetch(`${cv}/embed/v1/callvault.js`, { headers: { origin: shop.origin } });
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('access-control-allow-origin'), shop.origin);
    assert.equal(script.headers.get('cache-control'), 'public, max-age=300');
    const body = await script.text();
    const notAllowed = await fetch(`${cv}/embed/v1/callvault.js`, { headers: { origin: evil.origin } });
    assert.equal(notAllowed.headers.get('access-control-allow-origin'), null);
    const manifest = (await (await fetch(`${cv}/embed/v1/manifest.json`)).json()) as Record<string, string>;
    const hashed = await fetch(`${cv}/embed/v1/${manifest['callvault.js']}`, {
      headers: { origin: shop.origin },
    });
    assert.equal(hashed.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await hashed.text(), body);
    assert.equal((await fetch(`${cv}/embed/v1/callvault.000000000000.js`)).status, 404);
  });
});
