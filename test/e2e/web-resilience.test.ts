/**
 * The web app in real Chromium against the real server process on PostgreSQL: the core chat
 * flow, the server stopped and started again during a chat (SIGTERM and kill -9, same port,
 * same database), the app opened with no network at all (service worker shell + the
 * conversations this device saved), and every screen at 360 × 640.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeProblems } from '../support/axe.ts';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../support/postgres.ts';
import { freePort, restartServer, type ServerProcess, spawnServer } from '../support/process.ts';
import { ensureWebBuild } from '../support/web-build.ts';

interface Person {
  context: BrowserContext;
  page: Page;
  problems: string[];
  address: string;
}

/**
 * What a browser logs, exactly, when the server cannot be reached: the socket's failed attempts
 * and fetches refused by the emulated offline network. Anything else is a problem.
 */
const UNREACHABLE = [
  /^error: WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/graphql' failed: Error in connection establishment: net::ERR_(CONNECTION_REFUSED|INTERNET_DISCONNECTED)$/,
  /^error: Failed to load resource: net::ERR_(CONNECTION_REFUSED|INTERNET_DISCONNECTED)$/,
];
const unexpected = (problems: string[]) => problems.filter((m) => !UNREACHABLE.some((r) => r.test(m)));

describe('web app resilience (PostgreSQL mode)', {
  skip: skipWithoutChromium() || (await skipWithoutPostgres()),
}, () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let browser: Browser;
  let env: Record<string, string>;
  const people: Person[] = [];

  before(async () => {
    ensureWebBuild();
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url, MESSAGE_RATE_BURST: '1000' };
    // A fixed port from the start, as a deployment has: restarts take the same one again.
    server = await spawnServer({ ...env, PORT: String(await freePort()) });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  async function open(width: number, height = 800): Promise<Person> {
    const context = await browser.newContext({ viewport: { width, height } });
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

  const status = (page: Page, state: string) =>
    page.locator(`cv-connection-status [data-state="${state}"]`).filter({ visible: true });

  async function say(page: Page, text: string): Promise<void> {
    const composer = page.getByLabel('Message', { exact: true });
    await composer.fill(text);
    await composer.press('Enter');
  }

  /** The bodies of the conversation on screen, in the order shown. */
  const bodies = (page: Page) => page.locator('cv-chat li.msg .body').allTextContents();

  it('should let two people meet and chat on PostgreSQL, with delivered then read marks', async () => {
    const alice = await open(1280);
    const bob = await open(360, 640);
    await onboard(alice, 'Alice');
    await onboard(bob, 'Bob');
    await addContact(alice, bob.address, 'Bob');
    await addContact(bob, alice.address, 'Alice');

    await alice.page.locator(`[data-contact="${bob.address}"]`).click();
    await say(alice.page, 'hello from postgres');
    const mark = alice.page.locator('cv-chat li.msg.out .mark').last();
    await alice.page.locator('cv-chat li.msg.out .mark[data-status="DELIVERED"]').waitFor();
    assert.equal(await mark.getAttribute('aria-label'), 'delivered');

    await bob.page.locator('nav [data-tab="chats"]').click();
    const row = bob.page.locator(`cv-conversation-list [data-peer="${alice.address}"]`);
    await row.locator('[data-unread="1"]').waitFor();
    await row.click();
    await bob.page.locator('cv-chat li.msg.in', { hasText: 'hello from postgres' }).waitFor();
    await alice.page.locator('cv-chat li.msg.out .mark[data-status="READ"]').waitFor();
    assert.equal(await mark.getAttribute('aria-label'), 'read');

    await say(bob.page, 'hello back');
    await alice.page.locator('cv-chat li.msg.in', { hasText: 'hello back' }).waitFor();
    await bob.page.locator('cv-chat li.msg.out .mark[data-status="READ"]').waitFor();
    for (const p of people) assert.deepEqual(p.problems, []);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`should carry a chat through a server restart (${signal}): outbox sent once, order kept, marks to read`, async () => {
      const [alice, bob] = people as [Person, Person];
      const before = { alice: await bodies(alice.page), bob: await bodies(bob.page) };
      const stopped = await server.stop(signal);
      if (signal === 'SIGTERM') assert.equal(stopped, 0, 'a clean shutdown');
      for (const p of [alice, bob]) await status(p.page, 'reconnecting').waitFor();

      // Both write during the outage: kept in the outbox, shown pending.
      await say(alice.page, `${signal} alice one`);
      await say(alice.page, `${signal} alice two`);
      await say(bob.page, `${signal} bob one`);
      await alice.page.locator('cv-chat li.msg.out .mark[data-status="PENDING"]').nth(1).waitFor();
      await bob.page.locator('cv-chat li.msg.out .mark[data-status="PENDING"]').first().waitFor();

      server = await restartServer(server, env);
      for (const p of [alice, bob]) await status(p.page, 'online').waitFor({ timeout: 60_000 });
      await bob.page.locator('cv-chat li.msg.in', { hasText: `${signal} alice two` }).waitFor();
      await alice.page.locator('cv-chat li.msg.in', { hasText: `${signal} bob one` }).waitFor();
      for (const p of [alice, bob]) {
        await p.page.locator('cv-chat .mark[data-status="PENDING"]').first().waitFor({ state: 'detached' });
      }
      // Both have the conversation open: every one of the outage's messages reaches read.
      await alice.page
        .locator('cv-chat li.msg.out', { hasText: `${signal} alice two` })
        .locator('.mark[data-status="READ"]')
        .waitFor();
      await bob.page
        .locator('cv-chat li.msg.out', { hasText: `${signal} bob one` })
        .locator('.mark[data-status="READ"]')
        .waitFor();

      // After the restart, the chat goes on.
      await say(alice.page, `${signal} after`);
      await bob.page.locator('cv-chat li.msg.in', { hasText: `${signal} after` }).waitFor();

      const outage = [`${signal} alice one`, `${signal} alice two`, `${signal} bob one`];
      for (const [who, p] of [
        ['alice', alice],
        ['bob', bob],
      ] as const) {
        const shown = await bodies(p.page);
        // What was there before is still there, once, in order, then the outage's, then after.
        assert.deepEqual(shown.slice(0, before[who].length), before[who], `${who}: history kept`);
        const rest = shown.slice(before[who].length);
        assert.deepEqual(
          rest.filter((t) => t.includes('alice')),
          [`${signal} alice one`, `${signal} alice two`],
          `${who}: alice's in order`,
        );
        assert.deepEqual([...rest].sort(), [...outage, `${signal} after`].sort(), `${who}: each once`);
        assert.equal(rest.at(-1), `${signal} after`);
        assert.equal(new Set(shown).size, shown.length, `${who}: nothing doubled`);
      }
      for (const p of people) assert.deepEqual(unexpected(p.problems), []);
    });
  }

  /** The text of the messages this device saved for offline reading (IndexedDB), or null. */
  const savedBodies = (person: Person) =>
    person.page.evaluate(async (address) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('callvault');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const view = await new Promise<any>((resolve, reject) => {
        const r = db.transaction('kv').objectStore('kv').get(`view:${address}`);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      db.close();
      return view
        ? (view.chats.messages as [string, { body: string }[]][]).flatMap(([, l]) => l.map((m) => m.body))
        : null;
    }, person.address);

  it('should open with no network at all and show the saved conversations, then catch up once back', async () => {
    const [alice, bob] = people as [Person, Person];
    // The service worker controls Bob's page: it has the app shell.
    await bob.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((r) =>
          navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }),
        );
      }
    });
    const seen = await bodies(bob.page);
    await eventually(
      async () => JSON.stringify(await savedBodies(bob)) === JSON.stringify(seen),
      "Bob's saved view to hold what he has seen",
    );

    // No server, no network: the page comes from the service worker, the chats from IndexedDB.
    await server.stop();
    await bob.context.setOffline(true);
    bob.problems.length = 0;
    await bob.page.reload();
    await bob.page.locator('[data-saved-view]').waitFor();
    const row = bob.page.locator(`cv-conversation-list [data-peer="${alice.address}"]`);
    await row.waitFor();
    assert.match((await row.locator('.name').textContent()) ?? '', /^Alice$/);
    assert.match((await row.locator('.preview').textContent()) ?? '', /SIGKILL after/);
    assert.equal(await status(bob.page, 'online').count(), 0);
    await row.click();
    await bob.page.locator('cv-chat li.msg .body', { hasText: 'SIGKILL after' }).waitFor();
    assert.deepEqual(await bodies(bob.page), seen);
    assert.equal((await bob.page.locator('cv-chat li.msg.out .mark[data-status="READ"]').count()) > 0, true);
    // Written offline: queued, shown pending.
    await say(bob.page, 'written with no network');
    await bob.page.locator('cv-chat li.msg.out .mark[data-status="PENDING"]').waitFor();
    assert.deepEqual(await axeProblems(bob.page), []);

    // The server comes back; Alice writes while Bob is still offline; then Bob's network returns.
    server = await restartServer(server, env);
    await status(alice.page, 'online').waitFor({ timeout: 60_000 });
    await say(alice.page, 'written while bob had no network');
    await alice.page.locator('cv-chat .mark[data-status="PENDING"]').first().waitFor({ state: 'detached' });
    await bob.context.setOffline(false);
    await status(bob.page, 'online').waitFor({ timeout: 60_000 });
    await bob.page.locator('[data-saved-view]').waitFor({ state: 'detached' });
    await bob.page.locator('cv-chat li.msg.in', { hasText: 'written while bob had no network' }).waitFor();
    await alice.page.locator('cv-chat li.msg.in', { hasText: 'written with no network' }).waitFor();
    await bob.page.locator('cv-chat .mark[data-status="PENDING"]').first().waitFor({ state: 'detached' });
    await bob.page
      .locator('cv-chat li.msg.out', { hasText: 'written with no network' })
      .locator('.mark[data-status="READ"]')
      .waitFor();
    for (const p of [alice, bob]) {
      const shown = await bodies(p.page);
      assert.deepEqual(shown.slice(0, seen.length), seen);
      assert.deepEqual(shown.slice(seen.length).sort(), [
        'written while bob had no network',
        'written with no network',
      ]);
    }
    for (const p of people) assert.deepEqual(unexpected(p.problems), []);
  });

  /** Horizontal overflow of the page (0: none), and controls smaller than a 44 px tap target. */
  async function layoutProblems(page: Page, screen: string, targets: string[]): Promise<string[]> {
    const problems: string[] = [];
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    const viewport = page.viewportSize()!.width;
    if (width > viewport) problems.push(`${screen}: scrolls sideways (${width} > ${viewport})`);
    for (const name of targets) {
      const box = await page
        .getByRole('button', { name, exact: true })
        .filter({ visible: true })
        .first()
        .boundingBox();
      if (!box) problems.push(`${screen}: no visible button "${name}"`);
      else if (box.width < 44 || box.height < 44)
        problems.push(`${screen}: "${name}" is ${Math.round(box.width)}×${Math.round(box.height)} px`);
    }
    return problems;
  }

  it('should be usable at 360 × 640 on every screen, and show two panes at desktop width', async () => {
    const [alice] = people as [Person, Person];
    const carol = await open(360, 640);
    const { page } = carol;
    const problems: string[] = [];
    const axe: string[] = [];
    const check = async (screen: string, targets: string[]) => {
      problems.push(...(await layoutProblems(page, screen, targets)));
      axe.push(...(await axeProblems(page)).map((p) => `${screen}: ${p}`));
    };
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Create identity' }).waitFor();
    await check('onboarding', ['Create identity']);
    await onboard(carol, 'Carol with a rather long display name');
    const tabs = ['Chats', 'Calls', 'Contacts', 'Settings'];
    await check('settings', tabs);
    await addContact(carol, alice.address, 'Alice');
    await check('contacts', [...tabs, 'Add contact']);
    await page.locator('nav [data-tab="calls"]').click();
    await page.locator('cv-call-history').waitFor();
    await check('calls', tabs);
    await page.locator('nav [data-tab="contacts"]').click();
    await page.locator(`[data-contact="${alice.address}"]`).click();
    await say(page, `a long word: ${'x'.repeat(120)} and a link https://example.invalid/${'y'.repeat(80)}`);
    await page
      .locator(
        'cv-chat li.msg.out .mark[data-status="SENT"], cv-chat li.msg.out .mark[data-status="DELIVERED"]',
      )
      .first()
      .waitFor();
    // One pane on a phone: the chat, without the list beside it.
    assert.equal(await page.locator('callvault-app aside').isVisible(), false);
    await check('chat', ['Send', 'Back to conversations', 'Audio call Alice', 'Video call Alice']);
    await page.getByRole('button', { name: 'Back to conversations' }).click();
    await page.locator(`cv-conversation-list [data-peer="${alice.address}"]`).waitFor();
    assert.equal(await page.locator('callvault-app main').isVisible(), false);
    await check('conversations', tabs);
    assert.deepEqual(problems, []);
    assert.deepEqual(axe, []);

    // The same app at desktop width: list and chat side by side.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.locator(`cv-conversation-list [data-peer="${alice.address}"]`).click();
    await page.locator('cv-chat li.msg.out').first().waitFor();
    const aside = await page.locator('callvault-app aside').boundingBox();
    const main = await page.locator('callvault-app main').boundingBox();
    assert.ok(aside && main, 'both panes shown');
    assert.ok(aside.x + aside.width <= main.x + 1, 'the list is beside the chat, not above it');
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1280);
    assert.deepEqual(unexpected(carol.problems), []);
  });
});
