import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';
import { register, send, type TestIdentity } from '../support/client.ts';
import { startServer, type TestServer } from '../support/server.ts';

/**
 * GraphiQL as a person uses it, in real headless Chromium. One store mode is enough here: what
 * is under test is the page and its two transports; the per-operation authentication it relies
 * on is tested in both modes by ws-auth.test.ts.
 */
describe('GraphiQL in Chromium: schema, docs, a signed-in query and a live feed', {
  skip: skipWithoutChromium(),
}, () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let ada: TestIdentity;
  let bob: TestIdentity;
  const requested: string[] = [];

  before(async () => {
    s = await startServer('memory');
    ada = await register(s.url, 'Ada');
    bob = await register(s.url, 'Bob');
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
    page.on('request', (r) => requested.push(r.url()));
    page.on('websocket', (ws) => requested.push(ws.url()));
    await page.goto(`${s.url}/graphql`);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  /**
   * Replaces an editor's whole text as a paste would. The editor may still auto-close a bracket
   * after the cursor: whatever follows the inserted text is deleted.
   */
  async function fill(editor: string, text: string) {
    await page.locator(editor).click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(text);
    await page.keyboard.press('Control+Shift+End');
    await page.keyboard.press('Delete');
  }

  /** The text of GraphiQL's response pane (Monaco renders spaces as non-breaking ones). */
  const response = () =>
    page
      .locator('.graphiql-response')
      .textContent()
      .then((t) => (t ?? '').replace(/\s+/g, ' '));

  async function run(query: string) {
    await fill('.graphiql-query-editor', query);
    await page.getByRole('button', { name: /Execute query/ }).click();
  }

  it('should load the schema into the docs explorer', async () => {
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const explorer = page.locator('.graphiql-doc-explorer');
    await explorer.getByText('Query', { exact: true }).first().click();
    await explorer.getByText('conversations', { exact: true }).first().waitFor({ timeout: 15_000 });
    assert.match((await explorer.textContent()) ?? '', /callHistory/);
  });

  it('should run a signed-in query with the Authorization header from the headers editor', async () => {
    await page.getByText('Headers', { exact: true }).click();
    await fill(
      '.graphiql-editor-tool .graphiql-editor:not(.hidden)',
      JSON.stringify({ Authorization: `Bearer ${ada.token}` }),
    );
    await run('{ me { address displayName } }');
    // A long address may be wrapped over lines: wait for the short name, then check both.
    await page.waitForFunction(
      () => /displayName.{0,4}Ada/.test(document.querySelector('.graphiql-response')?.textContent ?? ''),
      undefined,
      { timeout: 15_000 },
    );
    assert.match(await response(), /"displayName": "Ada"/);
    assert.ok((await response()).replace(/ /g, '').includes(ada.address));
  });

  it('should run a live feed subscription over graphql-ws and show a message from another identity', async () => {
    // From Bob's first message on: the second arrives whether the subscription was live yet or not.
    const first = await send(s.url, bob, ada.address, 'first-from-bob');
    const after = first.data?.sendMessage.position as number;
    await run(
      `subscription { feed(after: ${after}) { __typename ... on MessageAdded { message { body from } } } }`,
    );
    await send(s.url, bob, ada.address, 'live-from-bob');
    await page.waitForFunction(
      () => document.querySelector('.graphiql-response')?.textContent?.includes('live-from-bob'),
      undefined,
      { timeout: 15_000 },
    );
    assert.match(await response(), /MessageAdded/);
    assert.ok(
      requested.some((u) => u.startsWith(s.wsUrl)),
      'the subscription went over WebSocket',
    );
  });

  it('should load nothing from anywhere but the server itself', () => {
    const own = new URL(s.url);
    const foreign = requested.filter((u) => {
      const url = new URL(u);
      if (url.protocol === 'blob:' || url.protocol === 'data:') return false;
      return url.host !== own.host;
    });
    assert.deepEqual(foreign, []);
  });
});
