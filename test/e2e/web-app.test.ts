/**
 * The web app in real Chromium against the real server: two people create identities, add
 * each other by address and chat; the sender sees delivered, then read.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeProblems } from '../support/axe.ts';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';
import { type Coturn, skipWithoutCoturn, startCoturn } from '../support/coturn.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { ensureWebBuild } from '../support/web-build.ts';

const SHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname;

interface Person {
  context: BrowserContext;
  page: Page;
  problems: string[];
  address: string;
}

describe('web app in Chromium', { skip: skipWithoutChromium() || skipWithoutCoturn() }, () => {
  let server: TestServer;
  let browser: Browser;
  let coturn: Coturn;
  const people: Person[] = [];

  before(async () => {
    ensureWebBuild();
    coturn = await startCoturn({ secret: 'web-app-test-secret' });
    server = await startServer('memory', {
      STUN_URLS: `stun:127.0.0.1:${coturn.port}`,
      TURN_MODE: 'rest',
      TURN_URLS: `turn:127.0.0.1:${coturn.port}?transport=udp`,
      TURN_SECRET: coturn.secret,
      // The history test sends more than a page of messages at once.
      MESSAGE_RATE_BURST: '1000',
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await coturn?.stop();
  });

  async function open(colorScheme: 'light' | 'dark', width: number): Promise<Person> {
    const context = await browser.newContext({ colorScheme, viewport: { width, height: 800 } });
    // Calls only through the local coturn: proves the TURN path, not a loopback shortcut.
    await context.addInitScript(() => localStorage.setItem('callvault.relayOnly', '1'));
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const person = { context, page, problems, address: '' };
    people.push(person);
    return person;
  }

  async function onboard(person: Person, name: string): Promise<void> {
    const { page } = person;
    await page.goto(server.url);
    await page.getByLabel('Display name').fill(name);
    const connected = page.waitForEvent('console', (m) => m.text() === 'WebSocket connected');
    await page.getByRole('button', { name: 'Create identity' }).click();
    await connected;
    await status(page, 'online').waitFor();
    await page.locator('nav [data-tab="settings"]').click();
    person.address = (await page.locator('[data-address]').textContent()) ?? '';
    assert.match(person.address, /^cv1[a-z2-7]{39}$/);
  }

  async function addContact(person: Person, address: string, nickname: string): Promise<void> {
    const { page } = person;
    await page.locator('nav [data-tab="contacts"]').click();
    await page.getByLabel('Their address').fill(address);
    await page.getByLabel('Name for them').fill(nickname);
    await page.getByRole('button', { name: 'Add contact' }).click();
    await page.locator(`[data-contact="${address}"]`).waitFor();
  }

  /** The connection state shown (in the list pane, or in the chat header on a phone). */
  const status = (page: Page, state: string) =>
    page.locator(`cv-connection-status [data-state="${state}"]`).filter({ visible: true });

  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png` });

  /** Serious and critical accessibility violations axe-core finds on the screen as it is. */
  const screensChecked: Record<string, string[]> = {};
  const checkScreen = async (page: Page, name: string) => {
    screensChecked[name] = await axeProblems(page);
  };

  it('should let two people meet by address and chat, with delivered then read marks', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const alice = await open('light', 1280);
    const bob = await open('dark', 390);
    await alice.page.goto(server.url);
    await alice.page.getByRole('button', { name: 'Create identity' }).waitFor();
    await shot(alice.page, 'onboarding-light-desktop');
    await checkScreen(alice.page, 'onboarding light');
    await bob.page.goto(server.url);
    await bob.page.getByRole('button', { name: 'Create identity' }).waitFor();
    await shot(bob.page, 'onboarding-dark-phone');
    await onboard(alice, 'Alice');
    await onboard(bob, 'Bob');
    await shot(bob.page, 'settings-dark-phone');
    await checkScreen(bob.page, 'settings dark');

    // A mistyped address is refused as it is typed: the checksum does not match.
    await alice.page.locator('nav [data-tab="contacts"]').click();
    // One character of the payload changed (the last one also carries padding bits: avoided).
    const typo = bob.address.slice(0, 20) + (bob.address[20] === 'a' ? 'b' : 'a') + bob.address.slice(21);
    await alice.page.getByLabel('Their address').fill(typo);
    await alice.page.getByText('checksum does not match').waitFor();
    assert.equal(await alice.page.getByLabel('Their address').getAttribute('aria-invalid'), 'true');

    await addContact(alice, bob.address, 'Bob');
    await addContact(bob, alice.address, 'Alice');
    await shot(alice.page, 'contacts-light-desktop');
    await checkScreen(alice.page, 'contacts light');

    // Alice writes; Bob's app is on its contacts screen, not in the conversation.
    await alice.page.locator(`[data-contact="${bob.address}"]`).click();
    const composer = alice.page.getByLabel('Message', { exact: true });
    await composer.fill('Hello Bob <b>not bold</b> https://example.invalid');
    await composer.press('Enter');
    const mark = alice.page.locator('cv-chat li.msg.out .mark').last();
    // Bob's device received it (markDelivered on arrival), so it is delivered, not yet read.
    await alice.page.locator('cv-chat li.msg.out .mark[data-status="DELIVERED"]').waitFor();
    assert.equal(await mark.getAttribute('aria-label'), 'delivered');

    // Bob sees it in his list, unread, and opens it: Alice's mark turns to read.
    await bob.page.locator('nav [data-tab="chats"]').click();
    const row = bob.page.locator(`cv-conversation-list [data-peer="${alice.address}"]`);
    await row.locator('[data-unread="1"]').waitFor();
    await shot(bob.page, 'conversations-dark-phone');
    await checkScreen(bob.page, 'conversations dark');
    await row.click();
    const received = bob.page.locator('cv-chat li.msg.in').last();
    await received.waitFor();
    // Shown as text: the markup in it is not markup.
    assert.equal(
      (await received.textContent())?.includes('Hello Bob <b>not bold</b> https://example.invalid'),
      true,
    );
    assert.equal(await bob.page.locator('cv-chat li.msg.in b').count(), 0);
    await alice.page.locator('cv-chat li.msg.out .mark[data-status="READ"]').waitFor();
    assert.equal(await mark.getAttribute('aria-label'), 'read');

    // Bob answers; Alice has the conversation open, so it is read at once.
    const bobComposer = bob.page.getByLabel('Message', { exact: true });
    await bobComposer.fill('Hi Alice!');
    await bobComposer.press('Enter');
    await alice.page.locator('cv-chat li.msg.in', { hasText: 'Hi Alice!' }).waitFor();
    await bob.page.locator('cv-chat li.msg.out .mark[data-status="READ"]').waitFor();
    await shot(alice.page, 'chat-light-desktop');
    await shot(bob.page, 'chat-dark-phone');
    // The other scheme at each width, for the README.
    await alice.page.emulateMedia({ colorScheme: 'dark' });
    await shot(alice.page, 'chat-dark-desktop');
    await alice.page.emulateMedia({ colorScheme: 'light' });
    await bob.page.emulateMedia({ colorScheme: 'light' });
    await shot(bob.page, 'chat-light-phone');
    await checkScreen(bob.page, 'chat light phone');
    await bob.page.emulateMedia({ colorScheme: 'dark' });
    await checkScreen(alice.page, 'chat light desktop');
    await checkScreen(bob.page, 'chat dark phone');

    for (const p of people) assert.deepEqual(p.problems, []);
  });

  /** Frames the <video> decoded so far. */
  const framesOf = (page: Page, selector: string) =>
    page.locator(selector).evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames);

  /** Waits until the video has decoded more frames than `than` (it is playing, not frozen). */
  async function framesGrow(page: Page, selector: string, than: number): Promise<number> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const frames = await framesOf(page, selector);
      if (frames > than) return frames;
      if (Date.now() > deadline) throw new Error(`${selector}: no frames past ${than}`);
      await page.waitForTimeout(100);
    }
  }

  it('should call with video through TURN: both see the other, then hang up', async () => {
    const [alice, bob] = people as [Person, Person];
    await bob.page.getByRole('button', { name: 'Back to conversations' }).click();
    await alice.page.getByRole('button', { name: 'Video call Bob' }).click();
    // Bob's app checked Alice's signature on the call token before it showed this.
    const incoming = bob.page.locator('cv-call [data-phase="incoming"]');
    await incoming.waitFor();
    assert.equal(await bob.page.locator('cv-call #who').textContent(), 'Alice');
    await alice.page.locator('cv-call [data-phase="ringing"]').waitFor();
    await shot(bob.page, 'incoming-call-dark-phone');
    await checkScreen(bob.page, 'incoming call');
    await bob.page.getByRole('button', { name: 'Accept with video' }).click();
    for (const p of [alice, bob]) await p.page.locator('cv-call [data-phase="connected"]').waitFor();
    for (const p of [alice, bob]) {
      const first = await framesGrow(p.page, 'cv-call video.remote', 0);
      await framesGrow(p.page, 'cv-call video.remote', first);
    }
    await shot(alice.page, 'call-light-desktop');
    await shot(bob.page, 'call-dark-phone');
    await checkScreen(alice.page, 'in call');

    await bob.page.getByRole('button', { name: 'Mute' }).click();
    assert.equal(await bob.page.getByRole('button', { name: 'Unmute' }).getAttribute('aria-pressed'), 'true');

    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await bob.page.locator('cv-call [data-phase="ended"]').waitFor();
    assert.match((await bob.page.locator('cv-call [role="status"]').textContent()) ?? '', /hangup/);
    await bob.page.getByRole('button', { name: 'Close' }).click();
    await bob.page.locator('cv-call').waitFor({ state: 'detached' });
    // Both histories have it, with its duration.
    await alice.page.getByRole('button', { name: 'Close' }).click();
    for (const p of [alice, bob]) {
      await p.page.locator('nav [data-tab="calls"]').click();
      const entry = p.page.locator('cv-call-history li[data-status="ENDED"]');
      await entry.waitFor();
      assert.match((await entry.locator('.outcome').textContent()) ?? '', /^\d+:\d\d$/);
    }
    await shot(bob.page, 'calls-dark-phone');
    await checkScreen(bob.page, 'call history');
    await bob.page.locator('nav [data-tab="chats"]').click();
    await alice.page.locator('nav [data-tab="chats"]').click();
    for (const p of people) assert.deepEqual(p.problems, []);
  });

  it('should tell the caller when the call is declined', async () => {
    const [alice, bob] = people as [Person, Person];
    await alice.page.getByRole('button', { name: 'Audio call Bob' }).click();
    await bob.page.locator('cv-call [data-phase="incoming"]').waitFor();
    assert.match(
      (await bob.page.locator('cv-call [role="status"]').textContent()) ?? '',
      /Incoming audio call/,
    );
    await bob.page.getByRole('button', { name: 'Decline' }).click();
    await alice.page.locator('cv-call [data-phase="ended"]').waitFor();
    assert.match((await alice.page.locator('cv-call [role="status"]').textContent()) ?? '', /declined/);
    for (const p of [alice, bob]) {
      await p.page.getByRole('button', { name: 'Close' }).click();
      await p.page.locator('cv-call').waitFor({ state: 'detached' });
    }
  });

  it('should lose nothing across a dropped socket: written offline, sent on reconnect, once, in order', async () => {
    const [alice, bob] = people as [Person, Person];
    await bob.page.locator(`cv-conversation-list [data-peer="${alice.address}"]`).click();
    await bob.context.setOffline(true);
    // The server drops every socket (as a restart would); Bob cannot reconnect while offline.
    server.app.sockets.closeAll();
    await status(bob.page, 'reconnecting').waitFor();
    const composer = bob.page.getByLabel('Message', { exact: true });
    for (const text of ['offline one', 'offline two']) {
      await composer.fill(text);
      await composer.press('Enter');
    }
    await bob.page.locator('cv-chat li.msg.out .mark[data-status="PENDING"]').nth(1).waitFor();
    // Alice (back online by herself) writes meanwhile.
    await status(alice.page, 'online').waitFor();
    const aliceComposer = alice.page.getByLabel('Message', { exact: true });
    await aliceComposer.fill('while you were away');
    await aliceComposer.press('Enter');

    await bob.context.setOffline(false);
    await status(bob.page, 'online').waitFor({ timeout: 60_000 });
    await bob.page.locator('cv-chat li.msg.in', { hasText: 'while you were away' }).waitFor();
    await alice.page.locator('cv-chat li.msg.in', { hasText: 'offline two' }).waitFor();
    await bob.page.locator('cv-chat .mark[data-status="PENDING"]').first().waitFor({ state: 'detached' });
    const texts = async (page: Page) =>
      (await page.locator('cv-chat li.msg .body').allTextContents()).filter((t) => /offline|away/.test(t));
    // Bob's two in the order written, and every message exactly once on both sides.
    const onAlice = await texts(alice.page);
    assert.deepEqual(
      onAlice.filter((t) => t.startsWith('offline')),
      ['offline one', 'offline two'],
    );
    const all = ['offline one', 'offline two', 'while you were away'];
    assert.deepEqual([...onAlice].sort(), all);
    assert.deepEqual((await texts(bob.page)).sort(), all);
    const offline = /WebSocket connection to .* failed|ERR_INTERNET_DISCONNECTED/;
    for (const p of people)
      assert.deepEqual(
        p.problems.filter((m) => !offline.test(m)),
        [],
      );
  });

  it('should sign in again silently after a reload, and catch up on what came meanwhile', async () => {
    const [alice, bob] = people as [Person, Person];
    await alice.page.goto('about:blank');
    const bobComposer = bob.page.getByLabel('Message', { exact: true });
    await bobComposer.fill('sent while your tab was closed');
    await bobComposer.press('Enter');
    await bob.page.locator('cv-chat .mark[data-status="SENT"]').last().waitFor();
    const connected = alice.page.waitForEvent('console', (m) => m.text() === 'WebSocket connected');
    await alice.page.goto(server.url);
    await connected;
    // No onboarding: the key in IndexedDB signed in; the feed resumed from its stored position.
    const row = alice.page.locator(`cv-conversation-list [data-peer="${bob.address}"]`);
    await row.locator('[data-unread="1"]').waitFor();
    assert.equal(await alice.page.getByRole('button', { name: 'Create identity' }).count(), 0);
    await row.click();
    await alice.page.locator('cv-chat li.msg.in', { hasText: 'sent while your tab was closed' }).waitFor();
    await bob.page.locator('cv-chat .mark[data-status="READ"]').last().waitFor();
    assert.equal(
      await alice.page.locator('cv-chat li.msg', { hasText: 'sent while your tab was closed' }).count(),
      1,
    );
  });

  it('should edit and delete for everyone, shown on both sides', async () => {
    const [alice, bob] = people as [Person, Person];
    const composer = alice.page.getByLabel('Message', { exact: true });
    await composer.fill('a typo hree');
    // Bob sees Alice typing, until her message arrives.
    const typing = bob.page.locator('cv-chat .typing', { hasText: 'typing…' });
    await typing.waitFor();
    await composer.press('Enter');
    await bob.page.locator('cv-chat li.msg.in', { hasText: 'a typo hree' }).waitFor();
    await typing.waitFor({ state: 'detached' });
    const mine = alice.page.locator('cv-chat li.msg.out', { hasText: 'a typo hree' });
    await mine.locator('.mark[data-status="READ"]').waitFor();
    await mine.getByRole('button', { name: 'Message actions' }).click();
    await mine.getByRole('button', { name: 'Edit' }).click();
    const editor = alice.page.getByLabel('Edit message');
    await editor.fill('a typo here');
    await editor.press('Enter');
    const theirs = bob.page.locator('cv-chat li.msg.in', { hasText: 'a typo here' });
    await theirs.waitFor();
    assert.match((await theirs.locator('.meta').textContent()) ?? '', /edited/);
    const id = await theirs.getAttribute('data-id');

    const edited = alice.page.locator('cv-chat li.msg.out', { hasText: 'a typo here' });
    await edited.getByRole('button', { name: 'Message actions' }).click();
    await edited.getByRole('button', { name: 'Delete for everyone' }).click();
    await bob.page.locator(`cv-chat li.msg[data-id="${id}"] .deleted`).waitFor();
    await alice.page.locator(`cv-chat li.msg[data-id="${id}"] .deleted`).waitFor();
    assert.equal(await bob.page.locator('cv-chat li.msg', { hasText: 'a typo' }).count(), 0);
  });

  it('should page back through history when scrolled to the top', async () => {
    const [alice, bob] = people as [Person, Person];
    const composer = bob.page.getByLabel('Message', { exact: true });
    for (let i = 1; i <= 55; i++) {
      await composer.fill(`page ${i}`);
      await composer.press('Enter');
    }
    await alice.page.locator('cv-chat li.msg.in .body', { hasText: /^page 55$/ }).waitFor();
    await alice.page.reload();
    await alice.page.locator(`cv-conversation-list [data-peer="${bob.address}"]`).click();
    await alice.page.locator('cv-chat li.msg.in .body', { hasText: /^page 55$/ }).waitFor();
    // The newest 50 only; scrolling up brings the rest.
    assert.equal(await alice.page.locator('cv-chat li.msg').count(), 50);
    assert.equal(await alice.page.locator('cv-chat li.msg .body', { hasText: /^page 1$/ }).count(), 0);
    await alice.page.locator('cv-chat .log').evaluate((el) => {
      el.scrollTop = 0;
    });
    await alice.page.locator('cv-chat li.msg .body', { hasText: /^page 1$/ }).waitFor();
    await alice.page.locator('cv-chat .older').waitFor({ state: 'detached' });
    assert.ok((await alice.page.locator('cv-chat li.msg').count()) > 55);
  });

  it("should show a stranger's message as a request, to accept, and block and unblock them", async () => {
    const [alice] = people as [Person, Person];
    const dave = await open('light', 1280);
    await onboard(dave, 'Dave');
    await addContact(dave, alice.address, 'Alice');
    await dave.page.locator(`[data-contact="${alice.address}"]`).click();
    const composer = dave.page.getByLabel('Message', { exact: true });
    await composer.fill('hello from a stranger');
    await composer.press('Enter');

    await alice.page
      .getByRole('button', { name: 'Back to conversations' })
      .click()
      .catch(() => {});
    const row = alice.page.locator(`cv-conversation-list [data-peer="${dave.address}"]`);
    await row.getByText('Request ·').waitFor();
    await row.click();
    const request = alice.page.getByRole('region', { name: 'Message request' });
    await request.getByText('is not in your contacts').waitFor();
    await shot(alice.page, 'message-request-light-desktop');
    await checkScreen(alice.page, 'message request');
    await request.getByRole('button', { name: 'Block' }).click();
    await request.getByText('You blocked').waitFor();
    await request.getByRole('button', { name: 'Unblock' }).click();
    await request.getByRole('button', { name: 'Accept' }).click();
    await request.waitFor({ state: 'detached' });
    await alice.page.locator('nav [data-tab="contacts"]').click();
    await alice.page.locator(`[data-contact="${dave.address}"]`).waitFor();
    await alice.page.locator('nav [data-tab="chats"]').click();
    assert.deepEqual(dave.problems, []);
  });

  it("should be installable, and open offline from the service worker's shell", async () => {
    const carol = await open('light', 390);
    await carol.page.goto(server.url);
    await carol.page.getByRole('button', { name: 'Create identity' }).waitFor();
    // The worker has cached the shell once it controls the page.
    await carol.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((r) =>
          navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }),
        );
      }
    });
    const cdp = await carol.context.newCDPSession(carol.page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    // Playwright's contexts are off-the-record profiles, where Chromium never installs apps:
    // that one reason is about the test's browser, every other one would be about the app.
    assert.deepEqual(
      installabilityErrors.filter((e) => e.errorId !== 'in-incognito'),
      [],
    );
    const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[]; url: string };
    assert.deepEqual(manifest.errors, []);
    assert.match(manifest.url, /manifest\.webmanifest$/);

    await carol.context.setOffline(true);
    await carol.page.reload();
    await carol.page.getByRole('button', { name: 'Create identity' }).waitFor();
    await carol.context.setOffline(false);
    const offline = /WebSocket connection to .* failed|ERR_INTERNET_DISCONNECTED/;
    assert.deepEqual(
      carol.problems.filter((m) => !offline.test(m)),
      [],
    );
  });

  it('should keep call settings and contact changes across a reload, and remove a contact', async () => {
    const erin = await open('light', 1280);
    const frank = await open('dark', 390);
    await onboard(erin, 'Erin');
    await onboard(frank, 'Frank');
    await addContact(erin, frank.address, 'Frank');
    const { page } = erin;
    /** Waits until no change is in flight on the screen shown (its "Saving…" status is gone). */
    const saved = () => page.locator('[data-saving="true"]').waitFor({ state: 'detached' });

    await page.locator('nav [data-tab="settings"]').click();
    assert.equal(await page.getByLabel('Do not disturb').isChecked(), false);
    assert.equal(await page.getByRole('radio', { name: 'Ring' }).isChecked(), true);
    await page.getByText('Free', { exact: true }).waitFor();
    // Push (issue 12): the browser's permission is shown; nothing is subscribed unasked.
    await page.locator('[data-push-permission]:not([data-push-permission=""])').waitFor();
    assert.equal(await page.getByLabel('Push notifications on this device').isChecked(), false);
    await page.getByLabel('Do not disturb').check();
    await saved();
    // Keyboard: from "Ring", the arrow key moves the choice to "Silence".
    await page.getByRole('radio', { name: 'Ring' }).focus();
    await page.keyboard.press('ArrowDown');
    await saved();
    assert.equal(await page.getByRole('radio', { name: 'Silence' }).isChecked(), true);
    await checkScreen(page, 'settings with call controls');

    await page.locator('nav [data-tab="contacts"]').click();
    await page.getByLabel('Always allowed: Frank').check();
    await saved();
    await page.getByLabel('Nickname for Frank').fill('Franky');
    await page.getByLabel('Nickname for Frank').press('Enter');
    await page.locator(`[data-contact="${frank.address}"]`).getByText('Franky').waitFor();
    await saved();
    await checkScreen(page, 'contacts with controls');

    await page.reload();
    await status(page, 'online').waitFor();
    await page.locator('nav [data-tab="settings"]').click();
    await page.getByRole('radio', { name: 'Silence', checked: true }).waitFor();
    assert.equal(await page.getByLabel('Do not disturb').isChecked(), true);
    assert.equal(await page.getByRole('radio', { name: 'Ring' }).isChecked(), false);
    await page.locator('nav [data-tab="contacts"]').click();
    await page.locator(`[data-contact="${frank.address}"]`).getByText('Franky').waitFor();
    assert.equal(await page.getByLabel('Nickname for Franky').inputValue(), 'Franky');
    assert.equal(await page.getByLabel('Always allowed: Franky').isChecked(), true);

    await page.getByRole('button', { name: 'Remove Franky' }).click();
    await page.locator(`[data-contact="${frank.address}"]`).waitFor({ state: 'detached' });
    await page.getByText('No contacts yet.').waitFor();
    assert.deepEqual(erin.problems, []);
  });

  it('should have no serious or critical axe-core violations on any screen visited', () => {
    assert.ok(Object.keys(screensChecked).length >= 9, 'every screen was checked');
    const found = Object.entries(screensChecked).filter(([, problems]) => problems.length > 0);
    assert.deepEqual(found, []);
  });
});
