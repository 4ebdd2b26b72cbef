/**
 * People in the lab: each a browser context (its own identity) of a Chromium running in a
 * site's namespace, on the real web app served by a lab server. Calls are placed and accepted
 * through the app's own buttons; what the lab reads besides the screen comes from test
 * instrumentation (every RTCPeerConnection kept, its ICE states timed) and getStats().
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually } from '../support/eventually.ts';
import { addContact, onboard } from '../support/web-person.ts';

type LabWindow = Window & {
  __pcs: RTCPeerConnection[];
  /** ICE connection states of the last peer connection, with Date.now() when each was seen. */
  __ice: { state: string; at: number }[];
};

export interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
  address: string;
  /** Console errors and page errors. */
  problems: string[];
  /** The `reason` of every HangUp this page sent (ICE_FAILED when it gave up). */
  hangUps: string[];
}

export async function person(
  browser: Browser,
  url: string,
  name: string,
  options: { relayOnly?: boolean } = {},
): Promise<Person> {
  const context = await browser.newContext();
  await context.addInitScript((relayOnly: boolean) => {
    if (relayOnly) localStorage.setItem('callvault.relayOnly', '1');
    const w = window as unknown as LabWindow;
    w.__pcs = [];
    w.__ice = [];
    for (const ev of ['online', 'offline'])
      window.addEventListener(ev, () => w.__ice.push({ state: `event ${ev}`, at: Date.now() }));
    const log = console.log;
    console.log = (...args: unknown[]) => {
      if (args[0] === 'WebSocket connected') w.__ice.push({ state: 'ws connected', at: Date.now() });
      log(...args);
    };
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        w.__pcs.push(this);
        w.__ice = [{ state: 'new', at: Date.now() }];
        this.addEventListener('icecandidate', (e) => {
          const c = e.candidate;
          if (c && w.__pcs.at(-1) === this)
            w.__ice.push({
              state: `cand ${c.type} ${c.protocol} ${c.address}:${c.port} ${(c as any).relayProtocol ?? ''}${c.tcpType ? ` tcptype ${c.tcpType}` : ''}`,
              at: Date.now(),
            });
        });
        this.addEventListener('signalingstatechange', () => {
          if (w.__pcs.at(-1) === this) w.__ice.push({ state: `sig ${this.signalingState}`, at: Date.now() });
        });
        this.addEventListener('icegatheringstatechange', () => {
          if (w.__pcs.at(-1) === this)
            w.__ice.push({ state: `gather ${this.iceGatheringState}`, at: Date.now() });
        });
        this.addEventListener('iceconnectionstatechange', () => {
          if (w.__pcs.at(-1) === this) w.__ice.push({ state: this.iceConnectionState, at: Date.now() });
        });
      }
    } as typeof RTCPeerConnection;
  }, options.relayOnly === true);
  const page = await context.newPage();
  const p: Person = { name, context, page, address: '', problems: [], hangUps: [] };
  page.on('console', (m) => {
    // Chromium's own report of a socket it could not open while the lab had the network down.
    const networkDown =
      /WebSocket connection .* failed: .*net::ERR_(INTERNET_DISCONNECTED|NETWORK_CHANGED|ADDRESS_UNREACHABLE|CONNECTION_\w+)/;
    if (m.type() === 'error' && !networkDown.test(m.text())) p.problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => p.problems.push(`pageerror: ${e.message}`));
  const noteHangUp = (body: string | null | undefined) => {
    if (body && /mutation HangUp/.test(body)) {
      const m = /"reason":"(\w+)"/.exec(body);
      p.hangUps.push(m?.[1] ?? 'HANGUP');
    }
  };
  page.on('request', (r) => noteHangUp(r.postData()));
  page.on('websocket', (ws) => ws.on('framesent', (f) => noteHangUp(String(f.payload))));
  p.address = await onboard(page, url, name, 60_000);
  assert.match(p.address, /^cv1[a-z2-7]{39}$/);
  return p;
}

/** Two people who have each other as contacts. */
export async function pair(a: Person, b: Person): Promise<void> {
  await addContact(a.page, b);
  await addContact(b.page, a);
}

export const phase = (page: Page, ph: string) => page.locator(`cv-call [data-phase="${ph}"]`);
export const statusText = async (page: Page) =>
  (await page.locator('cv-call [role="status"]').textContent()) ?? '';

export interface SelectedPair {
  local: string;
  remote: string;
  /** The remote candidate's address (the TURN server's when the peer's relay is used). */
  remoteAddress: string;
  /** udp or tcp: how this side reaches the relay (relay candidates) or the peer. */
  protocol: string;
  /** udp, tcp or tls: the relay protocol of a local relay candidate. */
  relayProtocol?: string;
  rttMs?: number;
}

/** The ICE candidate pair the page's (last) peer connection uses now, from getStats(). */
export function selectedPair(page: Page): Promise<SelectedPair | null> {
  return page.evaluate(async () => {
    const pc = (window as unknown as LabWindow).__pcs.at(-1);
    if (!pc) return null;
    const stats = [...(await pc.getStats()).values()] as any[];
    const byId = new Map(stats.map((s) => [s.id, s]));
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pairStats =
      byId.get(transport?.selectedCandidatePairId) ??
      stats.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
    if (!pairStats) return null;
    const local = byId.get(pairStats.localCandidateId);
    const remote = byId.get(pairStats.remoteCandidateId);
    return {
      local: local?.candidateType ?? '?',
      remote: remote?.candidateType ?? '?',
      remoteAddress: remote?.address ?? '?',
      protocol: local?.protocol ?? '?',
      ...(local?.relayProtocol ? { relayProtocol: local.relayProtocol } : {}),
      ...(typeof pairStats.currentRoundTripTime === 'number'
        ? { rttMs: Math.round(pairStats.currentRoundTripTime * 1000) }
        : {}),
    };
  });
}

/** Inbound RTP bytes received so far on the page's (last) peer connection, all kinds. */
export function bytesIn(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const pc = (window as unknown as LabWindow).__pcs.at(-1);
    let n = 0;
    if (pc)
      for (const r of (await pc.getStats()).values()) if (r.type === 'inbound-rtp') n += r.bytesReceived ?? 0;
    return n;
  });
}

/** Media reaches the page: inbound RTP bytes keep growing (by `by` bytes within `timeoutMs`). */
export async function mediaFlowing(page: Page, timeoutMs = 10_000, by = 2000): Promise<void> {
  const first = await bytesIn(page);
  await eventually(
    async () => (await bytesIn(page)) > first + by,
    'inbound RTP bytes growing',
    timeoutMs,
  ).catch(async (e) => {
    throw new Error(
      `${(e as Error).message} (${await page.locator('cv-call section.stage').getAttribute('data-phase')}; pairs: ${(await pairStats(page)).join('; ')})`,
    );
  });
}

/** When (page's Date.now()) its last peer connection first reached ICE `connected`, or null. */
export function connectedAt(page: Page): Promise<number | null> {
  return page.evaluate(
    () =>
      (window as unknown as LabWindow).__ice.find((s) => s.state === 'connected' || s.state === 'completed')
        ?.at ?? null,
  );
}

/** The ICE timeline of the page's last peer connection (ms from its start, or from `since`). */
export function iceStates(page: Page, since?: number): Promise<string[]> {
  return page.evaluate((since) => {
    const ice = (window as unknown as LabWindow).__ice;
    return ice.map((s) => `${s.at - (since ?? ice[0]!.at)} ${s.state}`);
  }, since);
}

/** The local ICE ufrag of the page's last peer connection (changes with every ICE restart). */
export const ufrag = (page: Page) =>
  page.evaluate(() => {
    const sdp = (window as unknown as LabWindow).__pcs.at(-1)?.localDescription?.sdp ?? '';
    return /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? '';
  });

/**
 * Every candidate pair of the page's last peer connection that has sent or been asked anything:
 * `state local-type:addr:port → remote-type:addr:port` with requests/responses and bytes (for
 * LAB_DEBUG and for the error of a call whose media does not flow).
 */
export function pairStats(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const pc = (window as unknown as LabWindow).__pcs.at(-1);
    if (!pc) return [];
    const stats = [...(await pc.getStats()).values()] as any[];
    // No named functions in here: tsx's __name helper does not exist in the page.
    const desc: Record<string, string> = {};
    for (const c of stats)
      if (c.type === 'local-candidate' || c.type === 'remote-candidate')
        desc[c.id] =
          `${c.candidateType}${c.relayProtocol ? `/${c.relayProtocol}` : ''}:${c.address}:${c.port}`;
    const selected = stats.find((s) => s.type === 'transport')?.selectedCandidatePairId;
    return stats
      .filter((s) => s.type === 'candidate-pair' && (s.requestsSent || s.requestsReceived || s.bytesSent))
      .map(
        (s) =>
          `${s.id === selected ? '*' : ''}${s.state}${s.nominated ? ' nominated' : ''} ${desc[s.localCandidateId] ?? '?'} → ${desc[s.remoteCandidateId] ?? '?'} req ${s.requestsSent}/${s.requestsReceived} resp ${s.responsesReceived}/${s.responsesSent} bytes ${s.bytesSent}/${s.bytesReceived}`,
      );
  });
}

/** The TURN usernames the page's last peer connection is configured with (REST: `<expiry>:<id>`). */
export const turnUsernames = (page: Page) =>
  page.evaluate(() =>
    ((window as unknown as LabWindow).__pcs.at(-1)?.getConfiguration().iceServers ?? [])
      .map((s) => s.username ?? '')
      .filter(Boolean),
  );

async function openChat(p: Person, other: Person): Promise<void> {
  await p.page.locator('nav [data-tab="contacts"]').click();
  await p.page.locator(`[data-contact="${other.address}"]`).click();
}

export interface CallResult {
  connected: boolean;
  /** What went wrong with the call or its media, if anything did. */
  error?: string;
  /** Accept clicked → ICE connected on both sides (ms), when connected. */
  setupMs?: number;
  /** Accept clicked → the call screen showing it ended (ms), when it failed. */
  failMs?: number;
  /** The caller's and the callee's selected candidate pair. */
  caller?: SelectedPair | null;
  callee?: SelectedPair | null;
  /** How it ended on each side when it failed: outcome, reason shown, HangUp reasons sent. */
  ended?: { caller: EndState; callee: EndState };
}

export interface EndState {
  outcome: string | null;
  text: string;
  hangUps: string[];
}

async function endState(p: Person): Promise<EndState> {
  const stage = p.page.locator('cv-call section.stage');
  return {
    outcome: await stage.getAttribute('data-outcome'),
    text: await statusText(p.page),
    hangUps: [...p.hangUps],
  };
}

/**
 * `from` places an audio call to `to`, who accepts it: waits until both sides show it connected,
 * or until it ends (ICE failed) — never longer than `limitMs` (then it is a spinner: a failure of
 * the test). Leaves a connected call up (`hangUp` ends it); closes an ended call's screens.
 */
export async function call(from: Person, to: Person, limitMs: number): Promise<CallResult> {
  from.hangUps.length = 0;
  to.hangUps.length = 0;
  await openChat(from, to);
  await from.page.getByRole('button', { name: `Audio call ${to.name}` }).click();
  await phase(to.page, 'incoming').waitFor({ timeout: 30_000 });
  const accepted = Date.now();
  await to.page.getByRole('button', { name: 'Accept audio only' }).click();
  // A call can connect on one side and be "Reconnecting…" on the other (ICE flapping while it
  // settles): wait for a state that decides — both connected at once, or either ended — rather
  // than reading the phases once and then waiting for an end that never comes.
  const phases = () =>
    Promise.all([from, to].map((p) => p.page.locator('cv-call section.stage').getAttribute('data-phase')));
  let seen: (string | null)[] = [];
  // LAB_DEBUG: the candidate pairs as last seen before the call ended (its connection closes).
  let lastPairs: string[][] = [];
  await eventually(
    async () => {
      seen = await phases();
      if (process.env.LAB_DEBUG && !seen.includes('ended'))
        lastPairs = await Promise.all([pairStats(from.page), pairStats(to.page)]);
      return seen.includes('ended') || seen.every((s) => s === 'connected');
    },
    'both sides connected, or one ended',
    Math.max(1_000, accepted + limitMs - Date.now()),
  ).catch(async (e) => {
    const state = async (p: Person) =>
      `${p.name}: ${await p.page.locator('cv-call section.stage').getAttribute('data-phase')} ${(await iceStates(p.page)).join(', ')}`;
    throw new Error(
      `${(e as Error).message} (${seen.join(' / ')})\n${await state(from)}\n${await state(to)}`,
    );
  });
  if (seen.every((s) => s === 'connected')) {
    const at = await Promise.all([connectedAt(from.page), connectedAt(to.page)]);
    if (process.env.LAB_DEBUG)
      console.log({
        accepted,
        from: await iceStates(from.page),
        to: await iceStates(to.page),
        fromPairs: await pairStats(from.page),
        toPairs: await pairStats(to.page),
      });
    return {
      connected: true,
      setupMs: Math.max(at[0] ?? Number.NaN, at[1] ?? Number.NaN) - accepted,
      caller: await selectedPair(from.page),
      callee: await selectedPair(to.page),
    };
  }
  if (process.env.LAB_DEBUG)
    console.log('not both connected', {
      from: await from.page.locator('cv-call section.stage').getAttribute('data-phase'),
      to: await to.page.locator('cv-call section.stage').getAttribute('data-phase'),
      fromIce: await iceStates(from.page),
      toIce: await iceStates(to.page),
      lastPairs,
    });
  // One side ended: the other must end too (it gives up, or hears the hang-up), within the limit.
  await Promise.all([from, to].map((p) => phase(p.page, 'ended').waitFor({ timeout: limitMs }))).catch(
    async (e) => {
      const state = async (p: Person) =>
        `${p.name}: ${await p.page.locator('cv-call section.stage').getAttribute('data-phase')} ${(await iceStates(p.page)).join(', ')}`;
      throw new Error(`${(e as Error).message.split('\n')[0]}\n${await state(from)}\n${await state(to)}`);
    },
  );
  const failMs = Date.now() - accepted;
  const ended = { caller: await endState(from), callee: await endState(to) };
  for (const p of [from, to]) await close(p);
  return { connected: false, failMs, ended };
}

export async function close(p: Person): Promise<void> {
  await p.page.locator('cv-call').getByRole('button', { name: 'Close' }).click();
  await p.page.locator('cv-call').waitFor({ state: 'detached' });
}

/** `by` hangs up a connected call; both screens closed afterwards. */
export async function hangUp(by: Person, other: Person): Promise<void> {
  await by.page.getByRole('button', { name: 'Hang up' }).click();
  await phase(other.page, 'ended').waitFor({ timeout: 30_000 });
  for (const p of [by, other]) await close(p);
}

/** Leaves no call screen open behind a call that went wrong (hang up, cancel, decline, close). */
export async function resetCall(people: Person[]): Promise<void> {
  for (const p of people)
    for (const name of ['Hang up', 'Cancel', 'Decline', 'Close']) {
      const button = p.page.locator('cv-call').getByRole('button', { name, exact: true });
      if (await button.count().catch(() => 0)) await button.click({ timeout: 5000 }).catch(() => {});
    }
  for (const p of people)
    if (await p.page.locator('cv-call').count())
      await p.page
        .locator('cv-call')
        .getByRole('button', { name: 'Close' })
        .click({ timeout: 10_000 })
        .catch(() => {});
}
