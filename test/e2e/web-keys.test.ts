/**
 * Keys in the web app, in real Chromium against the real server: the address as a QR code,
 * an encrypted key backup downloaded from one browser and restored in another (a second
 * device: same identity, contacts and history, both devices live at once), and signing out
 * of all devices.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import jsQRModule from 'jsqr';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeProblems } from '../support/axe.ts';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { ensureWebBuild } from '../support/web-build.ts';

const SHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname;
const PASSPHRASE = 'vault of quiet winter birds';
// A CommonJS bundle whose types say `export default`: the function is on either side.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule.default }).default ??
  jsQRModule) as unknown as typeof jsQRModule.default;

interface Person {
  context: BrowserContext;
  page: Page;
  problems: string[];
  address: string;
}

describe('keys in the web app (Chromium)', { skip: skipWithoutChromium() }, () => {
  let server: TestServer;
  let browser: Browser;
  let dir: string;
  const people: Person[] = [];
  /** Serious or critical axe-core findings, by screen. */
  const screens: Record<string, string[]> = {};

  before(async () => {
    ensureWebBuild();
    dir = mkdtempSync(join(tmpdir(), 'callvault-keys-'));
    server = await startServer('memory');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(colorScheme: 'light' | 'dark', width: number): Promise<Person> {
    const context = await browser.newContext({
      colorScheme,
      viewport: { width, height: 800 },
      acceptDownloads: true,
    });
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

  const status = (page: Page, state: string) =>
    page.locator(`cv-connection-status [data-state="${state}"]`).filter({ visible: true });

  async function onboard(person: Person, name: string): Promise<void> {
    const { page } = person;
    await page.goto(server.url);
    await page.getByLabel('Display name').fill(name);
    await page.getByRole('button', { name: 'Create identity' }).click();
    await status(page, 'online').waitFor();
    person.address = await addressShown(page);
  }

  async function addressShown(page: Page): Promise<string> {
    await page.locator('nav [data-tab="settings"]').click();
    const address = (await page.locator('[data-address]').textContent()) ?? '';
    assert.match(address, /^cv1[a-z2-7]{39}$/);
    return address;
  }

  async function addContact(page: Page, address: string, nickname: string): Promise<void> {
    await page.locator('nav [data-tab="contacts"]').click();
    await page.getByLabel('Their address').fill(address);
    await page.getByLabel('Name for them').fill(nickname);
    await page.getByRole('button', { name: 'Add contact' }).click();
    await page.locator(`[data-contact="${address}"]`).waitFor();
  }

  async function say(page: Page, text: string): Promise<void> {
    const composer = page.getByLabel('Message', { exact: true });
    await composer.fill(text);
    await composer.press('Enter');
    await page.locator('cv-chat li.msg.out', { hasText: text }).waitFor();
  }

  async function check(page: Page, name: string): Promise<void> {
    screens[name] = await axeProblems(page);
  }

  /** Restores a backup file in the onboarding screen. */
  async function restore(page: Page, file: string, passphrase: string): Promise<void> {
    const summary = page.getByText('I have a backup');
    if (!(await page.getByLabel('Backup file').isVisible())) await summary.click();
    await page.getByLabel('Backup file').setInputFiles(file);
    await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
    await page.getByRole('button', { name: 'Restore identity' }).click();
  }

  it('should show the address as a QR code that decodes back to it', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const alice = await open('light', 1280);
    await onboard(alice, 'Alice');
    const canvas = alice.page.locator('cv-address canvas[data-qr]');
    await canvas.waitFor();
    assert.equal(await canvas.getAttribute('aria-label'), 'QR code of the address');
    const image = await canvas.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      return { width: data.width, height: data.height, pixels: Array.from(data.data) };
    });
    const decoded = jsQR(Uint8ClampedArray.from(image.pixels), image.width, image.height);
    assert.equal(decoded?.data, alice.address);
    await check(alice.page, 'settings with QR code');
  });

  let backupFile = '';

  it('should export an encrypted backup from the dialog, keyboard-usable, with clear refusals', async () => {
    const [alice] = people as [Person];
    const bob = await open('dark', 390);
    await onboard(bob, 'Bob');
    await addContact(alice.page, bob.address, 'Bob');
    await addContact(bob.page, alice.address, 'Alice');
    await alice.page.locator(`[data-contact="${bob.address}"]`).click();
    await say(alice.page, 'Hello from the first device');
    await bob.page.locator('nav [data-tab="chats"]').click();
    await bob.page.locator(`cv-conversation-list [data-peer="${alice.address}"]`).click();
    await bob.page.locator('cv-chat li.msg.in', { hasText: 'Hello from the first device' }).waitFor();
    await say(bob.page, 'Hi Alice');
    await alice.page.locator('cv-chat li.msg.in', { hasText: 'Hi Alice' }).waitFor();

    const { page } = alice;
    await page.locator('nav [data-tab="settings"]').click();
    const opener = page.getByRole('button', { name: 'Back up key…' });
    const dialog = page.getByRole('dialog', { name: 'Back up your key' });
    // Escape closes the dialog and focus goes back to the button that opened it.
    await opener.click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await opener.evaluate((b) => b.matches(':focus')), true);
    // Opened from the keyboard this time.
    await opener.press('Enter');
    await dialog.waitFor();
    await page.getByLabel('Passphrase', { exact: true }).fill('too short');
    await page.getByLabel('Passphrase again').fill('too short');
    await page.getByRole('button', { name: 'Download backup' }).click();
    await dialog.getByText('Use at least 12 characters.').waitFor();
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Passphrase again').fill(`${PASSPHRASE}.`);
    await page.getByRole('button', { name: 'Download backup' }).click();
    await dialog.getByText('The two passphrases differ.').waitFor();
    await page.getByLabel('Passphrase again').fill(PASSPHRASE);
    await check(page, 'backup dialog');
    await page.screenshot({ path: `${SHOTS}backup-light-desktop.png` });
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download backup' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), `callvault-${alice.address.slice(0, 12)}.callvault-key`);
    backupFile = join(dir, file.suggestedFilename());
    await file.saveAs(backupFile);
    await dialog.waitFor({ state: 'hidden' });
    const text = readFileSync(backupFile, 'utf8');
    const json = JSON.parse(text);
    assert.equal(json.address, alice.address);
    assert.equal(json.kdf.name, 'PBKDF2');
    assert.ok(json.kdf.iterations >= 600_000);
    // Nothing of the key in the clear: the Ed25519 PKCS#8 header is not in the file, in any encoding.
    assert.equal(text.includes('MC4CAQAwBQYDK2Vw'), false);
    assert.equal(Buffer.from(text).toString('hex').includes('302e020100300506032b6570'), false);
  });

  it('should restore the backup in a third browser: same identity, contacts and history, and both devices live', async () => {
    const [alice, bob] = people as [Person, Person];
    const second = await open('light', 1280);
    const { page } = second;
    await page.goto(server.url);
    await page.getByText('I have a backup').click();
    await check(page, 'onboarding with restore');

    // Refusals say why and keep nothing: a wrong passphrase, a changed file, not a backup.
    const problem = page.locator('[data-restore-problem]');
    await restore(page, backupFile, 'not the passphrase at all');
    await problem.getByText('Wrong passphrase, or the file was changed.').waitFor();
    const json = JSON.parse(readFileSync(backupFile, 'utf8'));
    const tampered = join(dir, 'tampered.callvault-key');
    const bytes = Buffer.from(json.ciphertext, 'base64url');
    bytes[3]! ^= 1;
    writeFileSync(tampered, JSON.stringify({ ...json, ciphertext: bytes.toString('base64url') }));
    await restore(page, tampered, PASSPHRASE);
    await problem.getByText('Wrong passphrase, or the file was changed.').waitFor();
    const weak = join(dir, 'weak.callvault-key');
    writeFileSync(weak, JSON.stringify({ ...json, kdf: { ...json.kdf, iterations: 1 } }));
    await restore(page, weak, PASSPHRASE);
    await problem.getByText(/iterations/).waitFor();
    const garbage = join(dir, 'garbage.callvault-key');
    writeFileSync(garbage, '{"not": "a backup"');
    await restore(page, garbage, PASSPHRASE);
    await problem.getByText(/not a CallVault key backup/).waitFor();
    const huge = join(dir, 'huge.callvault-key');
    writeFileSync(huge, 'x'.repeat(1024 * 1024));
    await restore(page, huge, PASSPHRASE);
    await problem.getByText(/far too large/).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Create identity' }).waitFor();
    assert.equal(
      await page.evaluate(
        () =>
          new Promise((resolve) => {
            const r = indexedDB.open('callvault');
            r.onsuccess = () => {
              const get = r.result.transaction('kv').objectStore('kv').get('identity-key');
              get.onsuccess = () => resolve(get.result === undefined);
            };
          }),
      ),
      true,
      'no key kept after the refusals',
    );

    await restore(page, backupFile, PASSPHRASE);
    await status(page, 'online').waitFor();
    second.address = await addressShown(page);
    assert.equal(second.address, alice.address, 'the same identity');
    // This device can make a backup of its own (the key was sealed here too).
    await page.getByRole('button', { name: 'Back up key…' }).waitFor();
    await page.locator('nav [data-tab="contacts"]').click();
    await page.locator(`[data-contact="${bob.address}"]`).waitFor();
    await page.locator('nav [data-tab="chats"]').click();
    await page.locator(`cv-conversation-list [data-peer="${bob.address}"]`).click();
    await page.locator('cv-chat li.msg.out', { hasText: 'Hello from the first device' }).waitFor();
    await page.locator('cv-chat li.msg.in', { hasText: 'Hi Alice' }).waitFor();

    // The second device writes: Bob gets it, and the first device shows it live too.
    await say(page, 'Now on my second device');
    await bob.page.locator('cv-chat li.msg.in', { hasText: 'Now on my second device' }).waitFor();
    await alice.page.locator('nav [data-tab="chats"]').click();
    await alice.page.locator(`cv-conversation-list [data-peer="${bob.address}"]`).click();
    await alice.page.locator('cv-chat li.msg.out', { hasText: 'Now on my second device' }).waitFor();
    // Bob answers: both devices of Alice receive it live, at once.
    await say(bob.page, 'Both of you hear me');
    for (const device of [alice, second]) {
      await device.page.locator('cv-chat li.msg.in', { hasText: 'Both of you hear me' }).waitFor();
      await status(device.page, 'online').waitFor();
    }
  });

  it('should sign out of all devices: every device of the identity falls back to sign-in, and the key can sign in again', async () => {
    const [alice, bob, second] = people as [Person, Person, Person];
    const { page } = second;
    await page.locator('nav [data-tab="settings"]').click();
    await page.getByRole('button', { name: 'Sign out of all devices…' }).click();
    await check(page, 'sign out of all devices, confirming');
    await page.getByRole('button', { name: 'Sign out of all devices now' }).click();
    await page.getByText('Signed out of all devices (2 sessions).').waitFor();
    // The first device is told, and keeps its key to sign in again.
    await alice.page.getByText(/You were signed out of this device/).waitFor();
    assert.equal(await alice.page.locator('[data-held]').textContent(), alice.address);
    await check(alice.page, 'signed out from another device');
    // A reload does not sign in behind the person's back.
    await alice.page.reload();
    await alice.page.getByRole('button', { name: 'Sign in again' }).waitFor();
    assert.equal(await alice.page.locator('nav').count(), 0);
    // Bob is not affected.
    await status(bob.page, 'online').waitFor();

    await alice.page.getByRole('button', { name: 'Sign in again' }).click();
    await status(alice.page, 'online').waitFor();
    await alice.page.locator('nav [data-tab="chats"]').click();
    await alice.page.locator(`cv-conversation-list [data-peer="${bob.address}"]`).click();
    await alice.page.locator('cv-chat li.msg.in', { hasText: 'Both of you hear me' }).waitFor();
    await say(bob.page, 'Welcome back');
    await alice.page.locator('cv-chat li.msg.in', { hasText: 'Welcome back' }).waitFor();

    // The other device removes the identity instead: it is back to the first-run screen.
    await page.getByRole('button', { name: 'Remove identity from this browser' }).click();
    await page.getByRole('button', { name: 'Create identity' }).waitFor();

    // Plain sign-out on the first device: confirmed, then the key is gone from this browser.
    await alice.page.locator('nav [data-tab="settings"]').click();
    await alice.page.getByRole('button', { name: 'Sign out…' }).click();
    await alice.page.getByRole('button', { name: 'Remove identity and sign out' }).click();
    await alice.page.getByRole('button', { name: 'Create identity' }).waitFor();
    await alice.page.reload();
    await alice.page.getByRole('button', { name: 'Create identity' }).waitFor();

    for (const p of people) assert.deepEqual(p.problems, [], 'no console errors or warnings');
    const found = Object.entries(screens).filter(([, problems]) => problems.length > 0);
    assert.deepEqual(found, [], 'no serious or critical axe-core violations');
    assert.ok(Object.keys(screens).length >= 5);
  });
});
