import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';
import { type Coturn, skipWithoutCoturn, startCoturn } from '../support/coturn.ts';

/**
 * Proof that the harness can run a real call: two isolated browser contexts (two users), each
 * with a fake camera and microphone, connected only through coturn (`iceTransportPolicy: 'relay'`).
 * The test is the signaling channel: offer, answer and candidates go through page.evaluate.
 *
 * The in-page code is plain JavaScript served by a tiny page: functions handed to page.evaluate
 * from a tsx-compiled file can carry esbuild's `__name(...)` helper, which the page lacks.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>webrtc harness</title><script>
window.peer = (() => {
  let pc;
  let stream;
  const queued = [];
  const times = {};
  let connected;
  const now = () => performance.timeOrigin + performance.now();
  async function flush() {
    while (queued.length) await pc.addIceCandidate(queued.shift());
  }
  return {
    times,
    async start(config) {
      pc = new RTCPeerConnection(config);
      connected = new Promise((resolve, reject) => {
        pc.addEventListener('connectionstatechange', () => {
          if (pc.connectionState === 'connected') {
            times.connected = now();
            resolve(pc.connectionState);
          }
          if (pc.connectionState === 'failed') reject(new Error('connectionState failed'));
        });
      });
      connected.catch(() => {});
      pc.addEventListener('icecandidate', (e) => {
        if (e.candidate) window.sendCandidate(e.candidate.toJSON());
      });
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      for (const track of stream.getTracks()) pc.addTrack(track, stream);
      return stream.getTracks().map((t) => t.kind + ':' + t.label);
    },
    async offer() {
      times.offer = now();
      await pc.setLocalDescription(await pc.createOffer());
      return pc.localDescription.toJSON();
    },
    async answer(offer) {
      await pc.setRemoteDescription(offer);
      await flush();
      await pc.setLocalDescription(await pc.createAnswer());
      return pc.localDescription.toJSON();
    },
    async accept(answer) {
      await pc.setRemoteDescription(answer);
      await flush();
    },
    async addCandidate(candidate) {
      if (pc.remoteDescription) await pc.addIceCandidate(candidate);
      else queued.push(candidate);
    },
    connected: () => connected,
    async stats() {
      const byId = new Map();
      (await pc.getStats()).forEach((s) => byId.set(s.id, s));
      let pair;
      for (const s of byId.values()) {
        if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId);
      }
      const inbound = { audio: 0, video: 0 };
      for (const s of byId.values()) if (s.type === 'inbound-rtp') inbound[s.kind] += s.bytesReceived ?? 0;
      const candidate = (id) => {
        const c = byId.get(id);
        return c && { candidateType: c.candidateType, protocol: c.protocol, relayProtocol: c.relayProtocol, address: c.address, port: c.port };
      };
      const candidates = [...byId.values()]
        .filter((s) => s.type === 'local-candidate')
        .map((s) => s.candidateType);
      return {
        pair: pair && { state: pair.state, nominated: pair.nominated, local: candidate(pair.localCandidateId), remote: candidate(pair.remoteCandidateId) },
        inbound,
        localCandidateTypes: [...new Set(candidates)],
      };
    },
    /**
     * Polls getStats (once a frame) until audio and video inbound bytes exceed \`base\` and the
     * selected pair is nominated and its own check has succeeded: right after 'connected' either
     * side may still show the selected pair 'in-progress' (its own check not yet answered).
     */
    async settled(base, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const stats = await this.stats();
        const { inbound, pair } = stats;
        const grown = inbound.audio > base.audio && inbound.video > base.video;
        if (grown && pair?.state === 'succeeded' && pair.nominated) return stats;
        if (Date.now() > until) throw new Error('stats did not settle: ' + JSON.stringify({ base, stats }));
        await new Promise((r) => requestAnimationFrame(r));
      }
    },
    close() {
      for (const t of stream?.getTracks() ?? []) t.stop();
      pc?.close();
    },
  };
})();
</script>`;

interface Stats {
  pair?: {
    state: string;
    nominated: boolean;
    local: { candidateType: string; protocol: string; relayProtocol?: string; address: string };
    remote: { candidateType: string; address: string };
  };
  inbound: { audio: number; video: number };
  localCandidateTypes: string[];
}

// The page script's API, as seen from page.evaluate callbacks.
declare global {
  interface Window {
    peer: {
      times: { offer?: number; connected?: number };
      start(config: RTCConfiguration): Promise<string[]>;
      offer(): Promise<RTCSessionDescriptionInit>;
      answer(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit>;
      accept(answer: RTCSessionDescriptionInit): Promise<void>;
      addCandidate(c: RTCIceCandidateInit): Promise<void>;
      connected(): Promise<string>;
      stats(): Promise<Stats>;
      settled(base: Stats['inbound'], timeoutMs: number): Promise<Stats>;
      close(): void;
    };
  }
}

const skip = skipWithoutCoturn() || skipWithoutChromium();

describe('WebRTC harness: two Chromium pages call each other through coturn', { skip }, () => {
  let turn: Coturn;
  let browser: Browser;
  let server: Server;
  let origin: string;

  before(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    [turn, browser] = await Promise.all([startCoturn({ secret: 'webrtc-harness-secret' }), launchChromium()]);
  });

  after(async () => {
    await browser?.close();
    await turn?.stop();
    if (server?.listening) await new Promise((resolve) => server.close(resolve));
  });

  it('should connect relay/relay and carry audio and video both ways', { timeout: 60_000 }, async (t) => {
    const signalingErrors: Error[] = [];
    // Two isolated contexts: two users, each with its own fake camera and microphone.
    const pages: Page[] = [];
    for (let i = 0; i < 2; i++) {
      const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
      pages.push(await context.newPage());
    }
    const [a, b] = pages as [Page, Page];
    // Trickle ICE through the test: each page's candidates go to the other page.
    await a.exposeFunction('sendCandidate', (c: RTCIceCandidateInit) =>
      b.evaluate((cand) => window.peer.addCandidate(cand), c).catch((e: Error) => signalingErrors.push(e)),
    );
    await b.exposeFunction('sendCandidate', (c: RTCIceCandidateInit) =>
      a.evaluate((cand) => window.peer.addCandidate(cand), c).catch((e: Error) => signalingErrors.push(e)),
    );
    await Promise.all(pages.map((p) => p.goto(origin)));

    const config: RTCConfiguration = {
      iceServers: [
        { urls: `turn:127.0.0.1:${turn.port}`, ...turn.credentials('alice') },
        { urls: `turn:127.0.0.1:${turn.port}?transport=tcp`, ...turn.credentials('alice') },
      ],
      iceTransportPolicy: 'relay',
    };
    const tracks = await Promise.all(pages.map((p) => p.evaluate((c) => window.peer.start(c), config)));
    for (const list of tracks) {
      assert.deepEqual(
        list.map((k) => k.split(':')[0]),
        ['audio', 'video'],
      );
    }

    const started = performance.now();
    const offer = await a.evaluate(() => window.peer.offer());
    const answer = await b.evaluate((o) => window.peer.answer(o), offer);
    await a.evaluate((ans) => window.peer.accept(ans), answer);
    const states = await Promise.all(pages.map((p) => p.evaluate(() => window.peer.connected())));
    const connectMs = performance.now() - started;
    assert.deepEqual(states, ['connected', 'connected']);
    assert.deepEqual(signalingErrors, []);
    const [timesA, timesB] = await Promise.all(pages.map((p) => p.evaluate(() => window.peer.times)));
    const inPageMs = Math.max(timesA!.connected!, timesB!.connected!) - timesA!.offer!;
    t.diagnostic(
      `createOffer → both connected: ${connectMs.toFixed(0)} ms (test clock), ${inPageMs.toFixed(0)} ms (page clocks)`,
    );

    for (const [name, page] of [
      ['caller', a],
      ['callee', b],
    ] as const) {
      const first = await page.evaluate(() => window.peer.stats());
      assert.ok(first.pair, `${name}: a selected candidate pair right after connected`);
      const later = await page.evaluate(([base]) => window.peer.settled(base, 10_000), [
        first.inbound,
      ] as const);
      const pair = later.pair!;
      const seen = `${name}: ${JSON.stringify(later)}`;
      assert.equal(pair.state, 'succeeded', seen);
      assert.equal(pair.nominated, true, seen);
      assert.deepEqual([pair.local.candidateType, pair.remote.candidateType], ['relay', 'relay'], seen);
      assert.equal(pair.local.address, '127.0.0.1', seen);
      assert.deepEqual(later.localCandidateTypes, ['relay'], seen);
      assert.ok(later.inbound.audio > first.inbound.audio && later.inbound.video > first.inbound.video, seen);
      t.diagnostic(
        `${name}: pair ${first.pair.state} → ${pair.state}, relay over ${pair.local.relayProtocol}; ` +
          `inbound-rtp bytes audio ${first.inbound.audio} → ${later.inbound.audio}, ` +
          `video ${first.inbound.video} → ${later.inbound.video}`,
      );
    }
    await Promise.all(pages.map((p) => p.evaluate(() => window.peer.close())));
    await Promise.all(pages.map((p) => p.context().close()));
  });
});
