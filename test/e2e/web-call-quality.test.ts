/**
 * Calls on a server whose plan gives no TURN relay (TURN_MODE=off), in real Chromium: a direct
 * call connects and both sides record host candidates, not relayed; a call where no candidate
 * can pair (both sides relay-only, and no relay) does not spin in "Connecting…" for ever — it
 * ends within the call engine's bound and says the relay is not available on this plan, and
 * both sides record that it never connected. The relayed counterpart (TURN, relay/relay) is in
 * web-calls.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CallQuality } from '../../events/calls/quality.ts';
import { ICE_RECOVERY } from '../../web/src/client/ice-timing.ts';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { ensureWebBuild } from '../support/web-build.ts';
import { addContact as addWebContact, onboard } from '../support/web-person.ts';

/** The call engine's bound on reaching a first connection without a relay. */
const GIVE_UP_MS = ICE_RECOVERY.noRelayGiveUpMs;

interface Person {
  context: BrowserContext;
  page: Page;
  problems: string[];
  address: string;
  name: string;
}

describe('calls without a relay in Chromium', { skip: skipWithoutChromium() }, () => {
  let server: TestServer;
  let browser: Browser;
  const people: Person[] = [];
  let alice: Person;
  let bob: Person;

  async function person(name: string): Promise<Person> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const p = { context, page, problems, address: '', name };
    people.push(p);
    p.address = await onboard(page, server.url, name);
    return p;
  }

  const addContact = (p: Person, other: Person) => addWebContact(p.page, other);

  const phase = (page: Page, ph: string) => page.locator(`cv-call [data-phase="${ph}"]`);

  /** Alice video-calls Bob, who accepts: the call id, once both screens are past ringing. */
  async function call(): Promise<string> {
    await alice.page.locator('nav [data-tab="contacts"]').click();
    await alice.page.locator(`[data-contact="${bob.address}"]`).click();
    await alice.page.getByRole('button', { name: `Video call ${bob.name}` }).click();
    await phase(bob.page, 'incoming').waitFor();
    await bob.page.getByRole('button', { name: 'Accept with video' }).click();
    const placed = (await server.app.log.readAll(0, 100_000)).filter((e) => e.type === 'CallPlaced').at(-1);
    assert.ok(placed);
    return placed.streamId.slice('call-'.length);
  }

  /** Both participants' quality records of a call, once both arrived. */
  async function records(callId: string): Promise<Record<'caller' | 'callee', CallQuality>> {
    const out: Partial<Record<'caller' | 'callee', CallQuality>> = {};
    await eventually(async () => {
      for (const e of await server.app.log.readStream(`call-${callId}`)) {
        if (e.type === 'CallQualityReported') {
          const data = e.data as { role: 'caller' | 'callee'; quality: CallQuality };
          out[data.role] = data.quality;
        }
      }
      return out.caller !== undefined && out.callee !== undefined;
    }, 'both quality records');
    return out as Record<'caller' | 'callee', CallQuality>;
  }

  async function metric(sample: string): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
    return Number(line?.slice(sample.length + 1) ?? Number.NaN);
  }

  before(async () => {
    ensureWebBuild();
    // The plan gives no relay: no TURN server at all, and no STUN either (loopback only).
    server = await startServer('memory', { TURN_MODE: 'off' });
    browser = await launchChromium();
    alice = await person('Alice');
    bob = await person('Bob');
    await addContact(alice, bob);
    await addContact(bob, alice);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('should connect a direct call and record host candidates, not relayed, on both sides', async () => {
    const callId = await call();
    for (const p of [alice, bob]) await phase(p.page, 'connected').waitFor({ timeout: 45_000 });
    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await phase(bob.page, 'ended').waitFor();
    const { caller, callee } = await records(callId);
    for (const [who, q] of Object.entries({ caller, callee })) {
      assert.equal(q.connected, true, who);
      assert.notEqual(q.localCandidate, 'relay', who);
      assert.notEqual(q.remoteCandidate, 'relay', who);
      assert.ok(['host', 'prflx'].includes(q.localCandidate ?? ''), `${who}: ${q.localCandidate}`);
      assert.equal(q.relayProtocol, null, who);
      assert.ok(q.setupMs !== null && q.setupMs >= 0 && q.setupMs < 45_000, `${who}: setup ${q.setupMs}`);
      assert.ok(q.rttMs !== null && q.rttMs >= 0 && q.rttMs < 1000, `${who}: rtt ${q.rttMs}`);
      assert.ok(q.packetLossPercent !== null && q.packetLossPercent <= 100, `${who}: loss`);
      assert.ok((q.bitrateInKbps ?? 0) > 0 && (q.bitrateOutKbps ?? 0) > 0, `${who}: media flowed`);
    }
    for (const p of [alice, bob]) {
      await p.page.getByRole('button', { name: 'Close' }).click();
      await p.page.locator('nav [data-tab="calls"]').click();
      const entry = p.page.locator(`cv-call-history li[data-call="${callId}"]`);
      await entry.waitFor();
      assert.equal(await entry.getAttribute('data-relayed'), 'false');
      assert.match((await entry.locator('.quality').textContent()) ?? '', /^Direct · \d+ ms/);
      await p.page.locator('nav [data-tab="chats"]').click();
    }
    for (const p of people) assert.deepEqual(p.problems, []);
  });

  it('should end a call no candidate can pair within a bounded time, saying the relay is not available on this plan', async () => {
    const failedBefore = await metric('callvault_calls_total{outcome="failed"}');
    // Relay only, and no relay: neither side has a single candidate to offer.
    for (const p of [alice, bob])
      await p.page.evaluate(() => localStorage.setItem('callvault.relayOnly', '1'));
    const callId = await call();
    const accepted = Date.now();
    for (const p of [alice, bob]) await phase(p.page, 'connecting').waitFor();
    const ended = (p: Person) =>
      p.page
        .locator('cv-call [data-phase="ended"][data-outcome="failed"]')
        .waitFor({ timeout: GIVE_UP_MS + 30_000 });
    await Promise.all([ended(alice), ended(bob)]);
    const waited = Date.now() - accepted;
    assert.ok(waited >= GIVE_UP_MS - 2_000, `gave up after ${waited} ms, not before the bound`);
    for (const p of [alice, bob]) {
      assert.equal(
        await p.page.locator('cv-call [role="status"]').textContent(),
        'Can’t connect: relay not available on your plan',
      );
    }
    const { caller, callee } = await records(callId);
    for (const q of [caller, callee]) {
      assert.equal(q.connected, false);
      assert.equal(q.setupMs, null);
      assert.equal(q.localCandidate, null);
    }
    const ends = (await server.app.log.readStream(`call-${callId}`)).filter((e) => e.type === 'CallEnded');
    assert.equal(ends.length, 1);
    assert.equal(ends[0]!.data.reason, 'ice_failed');
    assert.equal(await metric('callvault_calls_total{outcome="failed"}'), failedBefore + 1);
    for (const p of [alice, bob]) {
      await p.page.getByRole('button', { name: 'Close' }).click();
      await p.page.locator('nav [data-tab="calls"]').click();
      const entry = p.page.locator(`cv-call-history li[data-call="${callId}"]`);
      await entry.waitFor();
      assert.equal(await entry.locator('.outcome').textContent(), 'Could not connect');
      await p.page.evaluate(() => localStorage.removeItem('callvault.relayOnly'));
    }
    for (const p of people) assert.deepEqual(p.problems, []);
    console.log(`# a call no candidate can pair ended after ${waited} ms`);
  });
});
