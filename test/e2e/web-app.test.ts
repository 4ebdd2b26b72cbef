/**
 * The web app in real Chromium against the real server: two people create identities, add
 * each other by address and chat; the sender sees delivered, then read.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { ensureWebBuild } from '../support/web-build.ts';

const SHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname;

interface Person {
  context: BrowserContext;
  page: Page;
  problems: string[];
  address: string;
}

describe('web app in Chromium', { skip: skipWithoutChromium() }, () => {
  let server: TestServer;
  let browser: Browser;
  const people: Person[] = [];

  before(async () => {
    ensureWebBuild();
    server = await startServer('memory');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(colorScheme: 'light' | 'dark', width: number): Promise<Person> {
    const context = await browser.newContext({ colorScheme, viewport: { width, height: 800 } });
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
    await page.locator('cv-connection-status [data-state="online"]').waitFor();
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

  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png` });

  it('should let two people meet by address and chat, with delivered then read marks', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const alice = await open('light', 1280);
    const bob = await open('dark', 390);
    await alice.page.goto(server.url);
    await alice.page.getByRole('button', { name: 'Create identity' }).waitFor();
    await shot(alice.page, 'onboarding-light-desktop');
    await bob.page.goto(server.url);
    await bob.page.getByRole('button', { name: 'Create identity' }).waitFor();
    await shot(bob.page, 'onboarding-dark-phone');
    await onboard(alice, 'Alice');
    await onboard(bob, 'Bob');
    await shot(bob.page, 'settings-dark-phone');

    // A mistyped address is refused as it is typed: the checksum does not match.
    await alice.page.locator('nav [data-tab="contacts"]').click();
    const typo = bob.address.slice(0, -1) + (bob.address.endsWith('a') ? 'b' : 'a');
    await alice.page.getByLabel('Their address').fill(typo);
    await alice.page.getByText('checksum does not match').waitFor();
    assert.equal(await alice.page.getByLabel('Their address').getAttribute('aria-invalid'), 'true');

    await addContact(alice, bob.address, 'Bob');
    await addContact(bob, alice.address, 'Alice');
    await shot(alice.page, 'contacts-light-desktop');

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

    for (const p of people) assert.deepEqual(p.problems, []);
  });
});
