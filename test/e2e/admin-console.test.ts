/**
 * The operator console (/admin) in real Chromium against the real server: the operator types
 * the audit token, pages through events, follows a correlation id, reads a timeline, verifies
 * the chain with a progress bar, rebuilds a state at a position and downloads the export.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { AUDITOR, type AuditServer, startAuditServer } from '../support/audit.ts';
import { axeProblems } from '../support/axe.ts';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';
import { gql, register, send, type TestIdentity } from '../support/client.ts';
import { ensureWebBuild } from '../support/web-build.ts';

describe('operator console in Chromium', { skip: skipWithoutChromium() }, () => {
  let s: AuditServer;
  let browser: Browser;
  let page: Page;
  let ada: TestIdentity;
  let bob: TestIdentity;
  const problems: string[] = [];

  before(async () => {
    ensureWebBuild();
    s = await startAuditServer('memory');
    [ada, bob] = [await register(s.url, 'Ada'), await register(s.url, 'Bob')];
    await gql(
      s.url,
      'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
      { i: { id: crypto.randomUUID(), to: bob.address, body: 'followed' } },
      ada.token,
      { 'x-request-id': 'console-trace-1' },
    );
    for (let i = 0; i < 60; i++) await send(s.url, bob, ada.address, `filler ${i}`);
    browser = await launchChromium();
    const context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it('should take the token, keep it for the tab only, and page through events', async () => {
    await page.goto(`${s.url}/admin`);
    await page.getByLabel('Admin or audit token').fill(AUDITOR);
    await page.getByRole('button', { name: 'Open console' }).click();
    const rows = page.getByRole('table', { name: 'Events' }).locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 50);
    assert.equal(await rows.first().locator('td').first().textContent(), '1');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page
      .getByRole('table', { name: 'Events' })
      .locator('tbody tr td', { hasText: /^51$/ })
      .first()
      .waitFor();
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page
      .getByRole('table', { name: 'Events' })
      .locator('tbody tr td', { hasText: /^1$/ })
      .first()
      .waitFor();
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('callvault.operatorToken'),
      local: Object.keys(localStorage).length,
    }));
    assert.deepEqual(stored, { session: AUDITOR, local: 0 });
    assert.deepEqual(await axeProblems(page), []);
  });

  it('should follow a correlation id to everything that request caused', async () => {
    await page.getByLabel('Type').fill('MessageSent');
    await page.getByLabel('Actor').fill(ada.address);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'console-trace-1' }).click();
    const rows = page.getByRole('table', { name: 'Events' }).locator('tbody tr');
    await page.waitForFunction(() => {
      const el = document.querySelector('cv-admin')!.shadowRoot!;
      return el.querySelectorAll('table[aria-label="Events"] tbody tr').length === 1;
    });
    assert.match((await rows.first().textContent())!, /followed/);
  });

  it("should show an identity's timeline", async () => {
    await page.getByRole('textbox', { name: 'Address', exact: true }).fill(ada.address);
    await page.getByRole('button', { name: 'Show timeline' }).click();
    const t = page.getByRole('table', { name: 'Timeline' });
    await t.locator('tbody tr').first().waitFor();
    assert.match((await t.textContent())!, /followed/);
  });

  it('should verify the chain with a progress bar to the end', async () => {
    await page.getByRole('button', { name: 'Verify' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Chain intact' });
    await status.waitFor();
    const bar = page.getByRole('progressbar', { name: 'Verification progress' });
    assert.equal(await bar.getAttribute('value'), await bar.getAttribute('max'));
  });

  it('should rebuild a state at a position', async () => {
    await page.getByLabel('What').selectOption('CONTACTS');
    await page.getByLabel('Address or call id').fill(ada.address);
    await page.getByLabel('Position', { exact: true }).fill('3');
    await page.getByRole('button', { name: 'Rebuild' }).click();
    const pre = page.getByLabel('Rebuilt state');
    await pre.waitFor();
    assert.match((await pre.textContent())!, /"doNotDisturb": false/);
  });

  it('should download the export as NDJSON', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download NDJSON' }).click(),
    ]);
    const path = await download.path();
    const lines = readFileSync(path!, 'utf8').trimEnd().split('\n');
    assert.equal(JSON.parse(lines[0]!).position, 1);
    assert.ok(lines.length > 60);
    assert.deepEqual(await axeProblems(page), []);
  });

  it('should log no console error or CSP violation', () => {
    assert.deepEqual(problems, []);
  });
});
