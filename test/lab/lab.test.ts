/**
 * The connectivity lab (docs/connectivity.md): real calls through the web app in headless
 * Chromium, each browser inside a client site's network namespace behind its own NAT router,
 * the CallVault servers and coturn on a "public" segment — all in documentation address ranges,
 * built and torn down here (test/lab/topology.ts).
 *
 * - the NAT kinds behave as built (STUN Binding from one socket to two destinations);
 * - the matrix: every pair of site kinds × plan (TURN / STUN only), LAB_CALLS calls per cell;
 * - a network change mid-call (a new address behind another NAT) recovers by an ICE restart;
 * - an outage longer than the ICE timeouts ends the call with ice_failed on both sides;
 * - a call relayed through TURN outlives its REST credentials (TURN_TTL=60);
 * - a misconfigured coturn (wrong secret, dead port) shows in /api/ice-verify and calls fail.
 *
 * `npm test` runs it with one call a cell (LAB_CALLS, 1 unless set); `npm run lab` with 20 and
 * prints the matrix. Results go to test/lab/out/report.json and test/lab/out/matrix.md.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { skipWithoutChromium } from '../support/browser.ts';
import { ensureBuild } from '../support/build.ts';
import { skipWithoutCoturn } from '../support/coturn.ts';
import { eventually } from '../support/eventually.ts';
import { ensureWebBuild } from '../support/web-build.ts';
import {
  bytesIn,
  type CallResult,
  call,
  close,
  hangUp,
  iceStates,
  mediaFlowing,
  type Person,
  pair,
  person,
  phase,
  resetCall,
  selectedPair,
  statusText,
  turnUsernames,
  ufrag,
} from './people.ts';
import { markdown, type Report } from './report.ts';
import {
  callCounts,
  DEAD_PORT,
  type LabCoturn,
  type LabServer,
  launchIn,
  nsFetchJson,
  nsRun,
  startLabCoturn,
  startLabServer,
  stunMappings,
  TURN_PORT,
  TURN_TLS_PORT,
} from './services.ts';
import {
  Lab,
  PUBLIC_ADDRESS,
  PUBLIC_ADDRESS_2,
  SITE_KINDS,
  type Site,
  type SiteKind,
  skipWithoutLab,
} from './topology.ts';

const CALLS = Number(process.env.LAB_CALLS || 1);
/** LAB_ONLY=words: run only the tests whose name contains them (trying one part of the lab). */
const labIt = (name: string, fn: () => Promise<void>) =>
  it(name, { skip: Boolean(process.env.LAB_ONLY) && !name.includes(process.env.LAB_ONLY!) }, fn);
const OUT = new URL('./out/', import.meta.url);
const SECRET = 'lab-turn-secret';
/** Every lab server's port on 203.0.113.1 (the browsers treat these origins as secure). */
const PORTS = { turn: 8001, stun: 8002, ttl: 8003, badsecret: 8004, badport: 8005 } as const;
/** What the call screen must say, on both sides, about a call that could not connect or was lost. */
const SAYS = {
  noRelay: /Can’t connect: relay not available on your plan/,
  relayBroken: /Can’t connect: the relay server is not working \((401 |701 |no answer)[^)]*\)/,
  lost: /Call ended: connection lost/,
};
/**
 * A misconfigured TURN server must fail a call this fast, from "Accept" (the connect bound is
 * 30 s): a refusal is heard at once, a dead port after the client's 10 s relay wait, then 8 s
 * for a direct path.
 */
const RELAY_BROKEN_FAIL_MS = 25_000;
/**
 * Network changes per run (the device moves back and forth, a new address each time), and how
 * soon media must flow again on both sides after it joins the new network: the 3 s, as
 * the median of the moves, no single move over RECOVERY_LIMIT_MS. Single moves spread from
 * 0.6 to 3.8 s (Chromium itself learns of a new interface about 2.2 s after it comes up:
 * docs/connectivity.md), so one move is no measure; nine give a steady median.
 */
const MOVES = Number(process.env.LAB_MOVES || 9);
const RECOVERY_MEDIAN_MS = Number(process.env.LAB_RECOVERY_MEDIAN_MS || 3_000);
const RECOVERY_LIMIT_MS = 10_000;
/** "Flowing again": inbound RTP grew by a few audio packets' worth (about 100 ms of Opus). */
const FLOWING_BYTES = 300;
/** No call may stay "Connecting…" longer than this: ICE failing ends it well before. */
const SPINNER_LIMIT_MS = 90_000;

type Plan = 'turn' | 'stun';

/**
 * Whether a call between two site kinds connects without a relay. A symmetric NAT maps each
 * destination to a new port, so its peer can only reach it when the peer has no NAT filter at
 * all (open); the NATs here filter by address and port (conntrack), so cone↔symmetric fails
 * too. A UDP-blocked site never connects without a relay, even to an open peer: ICE over TCP
 * needs a passive TCP candidate on one side, and Chromium gathers active ones only (port 9,
 * `tcptype active`: it does not listen for TCP), so between two browsers there is no TCP pair.
 */
export function connectsWithoutRelay(a: SiteKind, b: SiteKind): boolean {
  const has = (k: SiteKind) => a === k || b === k;
  const other = (k: SiteKind) => (a === k ? b : a);
  if (has('udp-blocked')) return false;
  if (has('symmetric')) return other('symmetric') === 'open';
  return true;
}

/** Unordered pairs of site kinds, each kind with itself too: 10. */
const CELLS: [SiteKind, SiteKind][] = SITE_KINDS.flatMap((a, i) =>
  SITE_KINDS.slice(i).map((b) => [a, b] as [SiteKind, SiteKind]),
);
/**
 * LAB_CELLS="turn:cone-symmetric stun:cone-cone": run only these cells of the matrix (trying
 * one cell again); unset, every cell.
 */
const ONLY_CELLS = (process.env.LAB_CELLS ?? '').split(/[\s,]+/).filter(Boolean);
const cellWanted = (plan: Plan, [a, b]: [SiteKind, SiteKind]) =>
  ONLY_CELLS.length === 0 || ONLY_CELLS.includes(`${plan}:${a}-${b}`);

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}
const pairType = (r: CallResult) =>
  r.caller && r.callee
    ? `${describePair(r.caller.local, r.caller.relayProtocol)} ↔ ${describePair(r.callee.local, r.callee.relayProtocol)}`
    : '?';
const describePair = (type: string, relayProtocol?: string) =>
  relayProtocol ? `${type}/${relayProtocol}` : type;

/** Runs `tasks` at most `limit` at a time. */
async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

/** A lock per person (one call at a time) or per slot. */
class Locks {
  #busy = new Map<object, Promise<void>>();
  async with<T>(people: object[], fn: () => Promise<T>): Promise<T> {
    for (;;) {
      const busy = people.map((p) => this.#busy.get(p)).filter(Boolean);
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    let release!: () => void;
    const done = new Promise<void>((r) => {
      release = r;
    });
    for (const p of people) this.#busy.set(p, done);
    try {
      return await fn();
    } finally {
      for (const p of people) this.#busy.delete(p);
      release();
    }
  }
}

describe('network lab: calls across NATs, network changes and TURN credential expiry', {
  skip: skipWithoutLab() || skipWithoutChromium() || skipWithoutCoturn(),
}, () => {
  let lab: Lab;
  let coturn: LabCoturn;
  const servers: Record<string, LabServer> = {};
  /** Two sites of every kind (A and B: a call between two cone NATs needs two NATs). */
  const sites: Record<string, Site> = {};
  const browsers: Record<string, Promise<Browser>> = {};
  let origins: string[] = [];
  /** The site's Chromium, launched on first use (ten at once would swamp two cores). */
  const browserOf = (site: string) => {
    browsers[site] ??= launchIn(lab, sites[site]!.ns, origins);
    return browsers[site]!;
  };
  let mobile: ReturnType<Lab['addMobile']>;
  const report: Report = {
    date: new Date().toISOString(),
    callsPerCell: CALLS,
    cells: [],
    natChecks: [],
    networkChange: [],
  };
  const everyone: Person[] = [];
  /** Writes the report as it stands: after each part, so a run cut short keeps what it found. */
  const save = () => {
    mkdirSync(OUT, { recursive: true });
    writeFileSync(new URL('report.json', OUT), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(new URL('matrix.md', OUT), markdown(report));
  };

  /** New identities two at a time: making one (page load, key, sign-in) is the costly part. */
  const making = new Locks();
  const slots = [{}, {}];
  let turn = 0;
  async function someone(site: string, server: string, name: string, options = {}): Promise<Person> {
    const browser = await browserOf(site);
    const p = await making.with([slots[turn++ % slots.length]!], () =>
      person(browser, servers[server]!.url, name, options),
    );
    everyone.push(p);
    return p;
  }

  let iceEnv: Record<string, string> = {};
  async function startServer(name: keyof typeof PORTS, env: Record<string, string>): Promise<LabServer> {
    servers[name] = await startLabServer(lab, name, PORTS[name], {
      ...iceEnv,
      ICE_PROBE_TIMEOUT_MS: '1500',
      ...env,
    });
    return servers[name]!;
  }

  before(async () => {
    ensureWebBuild();
    lab = new Lab();
    for (const kind of SITE_KINDS)
      for (const ab of ['a', 'b']) sites[`${kind}-${ab}`] = lab.addSite(`${kind}-${ab}`, kind);
    sites.outage = lab.addSite('outage', 'cone');
    mobile = lab.addMobile('mobile');
    sites.mobile = mobile;
    coturn = await startLabCoturn(lab, SECRET);
    const ice = {
      STUN_URLS: `stun:${PUBLIC_ADDRESS}:${TURN_PORT}`,
      TURN_MODE: 'rest',
      TURN_SECRET: SECRET,
      // ice-verify probes turns: with TLS verification: trust the lab's self-signed certificate.
      NODE_EXTRA_CA_CERTS: `${lab.dir}/cert.pem`,
      TURN_URLS: [
        `turn:${PUBLIC_ADDRESS}:${TURN_PORT}?transport=udp`,
        `turn:${PUBLIC_ADDRESS}:${TURN_PORT}?transport=tcp`,
        ...(coturn.tls ? [`turns:${PUBLIC_ADDRESS}:${TURN_TLS_PORT}?transport=tcp`] : []),
      ].join(','),
    };
    iceEnv = ice;
    ensureBuild();
    // TURN for everyone (the free tier; a PRO identity gets the same); FREE identities without
    // the free tier: STUN only. The other tests start their own server.
    await startServer('turn', { TURN_FREE_TIER: '1' });
    await startServer('stun', { TURN_FREE_TIER: '0' });
    origins = Object.entries(PORTS).map(([, port]) => `http://${PUBLIC_ADDRESS}:${port}`);
  });

  after(async () => {
    const problems = everyone.flatMap((p) => p.problems.map((e) => `${p.name}: ${e}`));
    for (const b of Object.values(browsers)) await (await b.catch(() => null))?.close().catch(() => {});
    for (const s of Object.values(servers)) await s.stop();
    if (process.env.LAB_DEBUG && coturn) console.log(coturn.output());
    await coturn?.stop();
    lab?.destroy();
    assert.deepEqual(lab?.live() ?? [], [], 'every lab namespace removed');
    save();
    assert.deepEqual(problems, [], 'no page errors');
  });

  labIt('should build NATs that behave as their kind, and no route off the lab ranges', async () => {
    const targets = [`${PUBLIC_ADDRESS}:${TURN_PORT}`, `${PUBLIC_ADDRESS_2}:${TURN_PORT}`];
    for (const name of ['open-a', 'cone-a', 'symmetric-a', 'udp-blocked-a']) {
      const site = sites[name]!;
      const { localPort, mapped } = await stunMappings(site.ns, targets);
      const seen = targets.map((t) => mapped[t]);
      report.natChecks.push({ site: name, kind: site.kind, localPort, mapped: seen });
      if (site.kind === 'udp-blocked') {
        assert.deepEqual(seen, [null, null], 'UDP never leaves a UDP-blocked site');
        continue;
      }
      for (const m of seen)
        assert.equal(m?.split(':')[0], site.publicAddress, `${name} seen from its public address`);
      if (site.kind === 'symmetric') {
        assert.notEqual(seen[0], seen[1], 'a symmetric NAT maps each destination to another port');
      } else {
        assert.equal(seen[0], seen[1], `${name}: one mapping for both destinations`);
        assert.equal(seen[0], `${site.publicAddress}:${localPort}`, `${name}: the source port kept`);
      }
    }
    // Every route of every lab namespace stays in the documentation and benchmarking ranges.
    const allowed = /^(203\.0\.113\.|198\.1[89]\.|192\.0\.2\.|198\.51\.100\.)/;
    for (const ns of lab.live()) {
      const routes = JSON.parse(await nsRun(ns, ['ip', '-j', 'route'])) as {
        dst: string;
        gateway?: string;
      }[];
      for (const r of routes) {
        if (r.dst === 'default') assert.ok(r.gateway, `${ns}: a default route through a lab router`);
        if (r.gateway) assert.match(r.gateway, allowed, `${ns}: gateway ${r.gateway}`);
        if (r.dst !== 'default') assert.match(r.dst, allowed, `${ns}: route to ${r.dst}`);
      }
    }
  });

  labIt(
    `should restart ICE after a network change mid-call (new address, new NAT) with media flowing again on both sides (${MOVES} moves)`,
    async () => {
      const m = await someone('mobile', 'turn', 'Mobile');
      const p = await someone('open-b', 'turn', 'Peer');
      await pair(m, p);
      const r = await call(m, p, SPINNER_LIMIT_MS);
      assert.ok(r.connected, 'the call connects');
      await Promise.all([mediaFlowing(m.page), mediaFlowing(p.page)]);
      const times: number[] = [];
      for (let move = 0; move < MOVES; move++) {
        const before = { ufrag: await ufrag(m.page), pair: await selectedPair(m.page) };
        // Off the current network: the browser sees itself offline (no link left), then the
        // other network comes up and recovery is timed from there.
        lab.moveMobile(mobile, 'leave');
        await m.page.waitForFunction(() => !navigator.onLine, null, { timeout: 20_000 });
        lab.moveMobile(mobile, 'join');
        const moved = Date.now();
        const base = await Promise.all([bytesIn(m.page), bytesIn(p.page)]);
        const back: (number | null)[] = [null, null];
        await eventually(
          async () => {
            const now = await Promise.all([bytesIn(m.page), bytesIn(p.page)]);
            now.forEach((n, i) => {
              if (back[i] === null && n > base[i]! + FLOWING_BYTES) back[i] = Date.now() - moved;
            });
            return back.every((b) => b !== null);
          },
          'media flowing again on both sides',
          30_000,
        ).catch(async (e) => {
          throw new Error(
            `${e.message}: ${JSON.stringify({ move, back, mobile: await iceStates(m.page), peer: await iceStates(p.page) })}`,
          );
        });
        const recoveryMs = Math.max(...(back as number[]));
        if (process.env.LAB_DEBUG)
          console.log({
            moved,
            mobile: await iceStates(m.page, moved),
            peer: await iceStates(p.page, moved),
          });
        const after = { ufrag: await ufrag(m.page), pair: await selectedPair(m.page) };
        report.networkChange.push({
          recoveryMs,
          mobileMs: back[0]!,
          peerMs: back[1]!,
          before: before.pair,
          after: after.pair,
        });
        times.push(recoveryMs);
        save();
        assert.notEqual(after.ufrag, before.ufrag, 'recovered through an ICE restart');
        await phase(m.page, 'connected').waitFor();
        assert.equal(await phase(p.page, 'connected').count(), 1, 'the call goes on');
        assert.ok(
          recoveryMs <= RECOVERY_LIMIT_MS,
          `move ${move}: back within ${RECOVERY_LIMIT_MS} ms, took ${recoveryMs} ms`,
        );
        // Settled on the new network before the next move (its restart's answer is in).
        await Promise.all([mediaFlowing(m.page), mediaFlowing(p.page)]);
      }
      const med = median(times)!;
      assert.ok(
        med <= RECOVERY_MEDIAN_MS,
        `media flowing again within ${RECOVERY_MEDIAN_MS} ms (median of ${MOVES} moves), took ${times.join(', ')} ms`,
      );
      await hangUp(m, p);
    },
  );

  // Timed like the network change (a misconfigured TURN server must fail a call fast), so it
  // runs alone: beside the matrix, at load averages of 20–30, its calls took 31–42 s.
  labIt(
    'should show a misconfigured coturn in /api/ice-verify, and end calls through it with ice_failed',
    async () => {
      report.misconfigured = [];
      await startServer('badsecret', { TURN_FREE_TIER: '1', TURN_SECRET: 'not-the-lab-secret' });
      await startServer('badport', {
        TURN_FREE_TIER: '1',
        TURN_URLS: `turn:${PUBLIC_ADDRESS}:${DEAD_PORT}?transport=udp`,
      });
      await Promise.all(
        (['badsecret', 'badport'] as const).map(async (name) => {
          const verify = await nsFetchJson(lab.pub, `${servers[name]!.url}/api/ice-verify`);
          const body = verify.body as { status: string; problems: string[] };
          assert.equal(verify.status, 503, JSON.stringify(body));
          assert.equal(body.status, 'error');
          assert.match(body.problems.join(), name === 'badsecret' ? /401/ : new RegExp(`${DEAD_PORT}`));
          // Between two symmetric NATs only a relay could connect them.
          const a = await someone('symmetric-a', name, `${name} A`);
          const b = await someone('symmetric-b', name, `${name} B`);
          await pair(a, b);
          const r = await call(a, b, SPINNER_LIMIT_MS);
          assert.equal(r.connected, false);
          assert.ok([...r.ended!.caller.hangUps, ...r.ended!.callee.hangUps].includes('ICE_FAILED'));
          for (const side of [r.ended!.caller, r.ended!.callee])
            assert.ok(side.outcome === 'failed' && SAYS.relayBroken.test(side.text), JSON.stringify(side));
          assert.ok(r.failMs! <= RELAY_BROKEN_FAIL_MS, `${name}: failed fast (${r.failMs} ms)`);
          report.misconfigured!.push({ config: name, verify: body.problems, failMs: r.failMs! });
        }),
      );
    },
  );

  // The matrix and the tests that mostly wait (ICE timeouts, a credential lifetime): side by
  // side. The network change and the misconfigured coturn run before, alone: they are timed.
  describe('matrix and long waits', { concurrency: true }, () => {
    labIt(
      `should connect every call with TURN, and without TURN exactly where no relay is needed (${CALLS} calls a cell)`,
      async () => {
        const locks = new Locks();
        const paired = new Set<string>();
        async function ensurePaired(a: Person, b: Person): Promise<void> {
          const key = [a.address, b.address].sort().join();
          if (paired.has(key)) return;
          paired.add(key);
          await pair(a, b);
        }

        async function runCell(plan: Plan, [x, y]: [SiteKind, SiteKind]) {
          const expected = plan === 'turn' || connectsWithoutRelay(x, y);
          const results: CallResult[] = [];
          if (expected) {
            // Two people of the cell's own: cells sharing a site do not wait for each other.
            const [a, b] = await Promise.all([
              someone(`${x}-a`, plan, `${x} ${y} ${plan} a`),
              someone(`${y}-b`, plan, `${x} ${y} ${plan} b`),
            ]);
            for (let i = 0; i < CALLS; i++) {
              const r = await locks.with([a, b], async () => {
                await ensurePaired(a, b);
                // Alternate who calls: both directions of the pair count.
                const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
                // A call that goes wrong is recorded with what went wrong, and the cell goes on:
                // the matrix is asserted as a whole at the end, every cell in the message.
                let result: CallResult;
                try {
                  result = await call(from, to, SPINNER_LIMIT_MS);
                } catch (e) {
                  await resetCall([from, to]);
                  return { connected: false, error: (e as Error).message.slice(0, 2000) };
                }
                if (result.connected) {
                  try {
                    await Promise.all([mediaFlowing(from.page, 20_000), mediaFlowing(to.page, 20_000)]);
                  } catch (e) {
                    result.error = `connected, but ${(e as Error).message}`;
                  }
                  await hangUp(from, to).catch(() => resetCall([from, to]));
                }
                return i % 2 === 0 ? result : { ...result, caller: result.callee, callee: result.caller };
              });
              results.push(r);
            }
          } else {
            // Calls that must fail wait out the connect bound (15 s without a relay): cells
            // side by side, each with two people of its own.
            const [a, b] = await Promise.all([
              someone(`${x}-a`, plan, `${x} ${y} a`),
              someone(`${y}-b`, plan, `${x} ${y} b`),
            ]);
            for (let i = 0; i < CALLS; i++)
              results.push(
                await locks.with([a, b], async () => {
                  await ensurePaired(a, b);
                  return call(a, b, SPINNER_LIMIT_MS).catch(async (e) => {
                    await resetCall([a, b]);
                    return { connected: false, error: (e as Error).message.slice(0, 2000) } as CallResult;
                  });
                }),
              );
          }
          const ok = results.filter((r) => r.connected && !r.error);
          const types = new Map<string, number>();
          for (const r of ok) types.set(pairType(r), (types.get(pairType(r)) ?? 0) + 1);
          const failed = results.filter((r) => !r.connected);
          const cell = {
            plan,
            a: x,
            b: y,
            expected: (expected ? 'connect' : 'fail') as 'connect' | 'fail',
            calls: results.length,
            connected: ok.length,
            setupMedianMs: median(ok.map((r) => r.setupMs!)),
            setupP95Ms: quantile(
              ok.map((r) => r.setupMs!),
              0.95,
            ),
            failMedianMs: median(failed.map((r) => r.failMs!)),
            pairs: Object.fromEntries(types),
            ended: failed.slice(0, 1).map((r) => r.ended),
            errors: results.flatMap((r) => (r.error ? [r.error] : [])),
          };
          report.cells.push(cell);
          save();
          return { cell, results };
        }

        const failing = CELLS.flatMap((c) =>
          connectsWithoutRelay(...c) || !cellWanted('stun', c) ? [] : [() => runCell('stun', c)],
        );
        const connecting = [
          ...CELLS.flatMap((c) => (cellWanted('turn', c) ? [() => runCell('turn', c)] : [])),
          ...CELLS.flatMap((c) =>
            connectsWithoutRelay(...c) && cellWanted('stun', c) ? [() => runCell('stun', c)] : [],
          ),
        ];
        assert.ok(failing.length + connecting.length > 0, `LAB_CELLS matches no cell: ${ONLY_CELLS}`);
        const all = await Promise.all([pool(2, failing), pool(2, connecting)]);
        const wrong = all
          .flat()
          .filter(({ cell }) => cell.errors.length > 0)
          .map(({ cell }) => `${cell.plan} ${cell.a}↔${cell.b}: ${cell.errors.join(' | ')}`);
        // The servers' own view, from the call quality records the clients send as a call ends
        // (what an operator sees in /metrics): every call the lab saw connect counted connected,
        // every relay-needing one relayed, every call that had to fail counted failed — and none
        // relayed on the STUN-only server. The last reports may trail the last hang-up.
        const cells = all.flat().map(({ cell }) => cell);
        const sum = (plan: Plan, f: (c: (typeof cells)[number]) => number) =>
          cells.filter((c) => c.plan === plan).reduce((n, c) => n + f(c), 0);
        const want = {
          turnConnected: sum('turn', (c) => c.connected),
          turnRelayed: sum('turn', (c) =>
            connectsWithoutRelay(c.a as SiteKind, c.b as SiteKind) ? 0 : c.connected,
          ),
          stunConnected: sum('stun', (c) => c.connected),
          stunFailed: sum('stun', (c) => c.calls - c.connected),
        };
        const counts = async () => ({
          turn: await callCounts(lab.pub, servers.turn!.url),
          stun: await callCounts(lab.pub, servers.stun!.url),
        });
        let seen = await counts();
        await eventually(
          async () => {
            seen = await counts();
            return (
              seen.turn.connected >= want.turnConnected &&
              seen.turn.relayed >= want.turnRelayed &&
              seen.stun.connected >= want.stunConnected &&
              seen.stun.failed >= want.stunFailed
            );
          },
          'the servers counting every call',
          20_000,
        ).catch(() => {});
        report.serverCounts = seen;
        save();
        assert.deepEqual(wrong, [], 'calls that went wrong');
        const why = JSON.stringify({ want, seen });
        assert.ok(
          seen.turn.connected >= want.turnConnected,
          `TURN server: every connected call counted (${why})`,
        );
        assert.ok(
          seen.turn.relayed >= want.turnRelayed,
          `TURN server: relay-needing calls counted relayed (${why})`,
        );
        assert.equal(seen.turn.failed, 0, `TURN server: no call counted failed (${why})`);
        assert.ok(
          seen.stun.connected >= want.stunConnected,
          `STUN-only server: connected calls counted (${why})`,
        );
        assert.ok(
          seen.stun.failed >= want.stunFailed,
          `STUN-only server: failed calls counted failed (${why})`,
        );
        assert.equal(seen.stun.relayed, 0, `STUN-only server: nothing relayed (${why})`);
        for (const { cell, results } of all.flat()) {
          const name = `${cell.plan} ${cell.a}↔${cell.b}`;
          if (cell.expected === 'connect') {
            assert.equal(
              cell.connected,
              cell.calls,
              `${name}: every call connects (${JSON.stringify(results)})`,
            );
            if (cell.plan === 'turn' && !connectsWithoutRelay(cell.a, cell.b))
              for (const r of results)
                assert.ok(
                  [r.caller, r.callee].some(
                    // Through a relay: this side's own, or the peer's (its address is the TURN
                    // server's; Chromium may know it as peer-reflexive before its candidate came).
                    (side) => side?.local === 'relay' || side?.remoteAddress === PUBLIC_ADDRESS,
                  ),
                  `${name}: relayed (${pairType(r)}: ${JSON.stringify([r.caller, r.callee])})`,
                );
            if (cell.a === 'udp-blocked' || cell.b === 'udp-blocked')
              for (const r of results) {
                const blocked = cell.a === 'udp-blocked' ? r.caller : r.callee;
                assert.ok(
                  blocked?.protocol === 'tcp' || ['tcp', 'tls'].includes(blocked?.relayProtocol ?? ''),
                  `${name}: the UDP-blocked side over TCP or TLS (${pairType(r)})`,
                );
              }
          } else {
            assert.equal(cell.connected, 0, `${name}: no call connects without a relay`);
            for (const r of results) {
              const { caller, callee } = r.ended!;
              assert.ok(
                [...caller.hangUps, ...callee.hangUps].includes('ICE_FAILED'),
                `${name}: ended as ICE_FAILED (${JSON.stringify(r.ended)})`,
              );
              for (const side of [caller, callee])
                assert.ok(
                  side.outcome === 'failed' && SAYS.noRelay.test(side.text),
                  `${name}: the call screen explains (${JSON.stringify(side)})`,
                );
            }
          }
        }
      },
    );

    labIt('should end a call cleanly with ice_failed on both sides when the network stays away', async () => {
      const o = await someone('outage', 'turn', 'Outage');
      const p = await someone('open-a', 'turn', 'Far');
      await pair(o, p);
      const r = await call(o, p, SPINNER_LIMIT_MS);
      assert.ok(r.connected, 'the call connects');
      await Promise.all([mediaFlowing(o.page), mediaFlowing(p.page)]);
      lab.setOutage(sites.outage!, true);
      const down = Date.now();
      try {
        const ended = await Promise.all(
          [o, p].map(async (x) => {
            await x.page.locator('cv-call [data-phase="ended"]').waitFor({ timeout: 60_000 });
            return Date.now() - down;
          }),
        );
        report.outage = { endedAfterMs: ended };
        for (const x of [o, p]) {
          assert.equal(await x.page.locator('cv-call section.stage').getAttribute('data-outcome'), 'failed');
          assert.match(await statusText(x.page), SAYS.lost);
          assert.deepEqual(x.hangUps, ['ICE_FAILED'], `${x.name} gave up with ICE_FAILED`);
        }
      } finally {
        lab.setOutage(sites.outage!, false);
      }
      for (const x of [o, p]) await close(x);
    });

    labIt('should keep a relayed call up past the expiry of its TURN credentials (TURN_TTL=60)', async () => {
      await startServer('ttl', { TURN_FREE_TIER: '1', TURN_TTL: '60' });
      const a = await someone('symmetric-a', 'ttl', 'Ttl A', { relayOnly: true });
      const b = await someone('symmetric-b', 'ttl', 'Ttl B', { relayOnly: true });
      await pair(a, b);
      const r = await call(a, b, SPINNER_LIMIT_MS);
      assert.ok(r.connected, 'the call connects');
      assert.equal(r.caller?.local, 'relay');
      const first = await turnUsernames(a.page);
      const expiry = Number(first[0]?.split(':')[0]) * 1000;
      assert.ok(expiry > Date.now() && expiry < Date.now() + 61_000, `credentials for 60 s (${first})`);
      const firstUfrag = await ufrag(a.page);
      // Past the expiry (plus a margin for the allocation's use), the call must still flow.
      await eventually(() => Date.now() > expiry + 10_000, 'the credentials expired', 80_000);
      for (const x of [a, b])
        assert.equal(await phase(x.page, 'connected').count(), 1, `${x.name} still connected`);
      await Promise.all([mediaFlowing(a.page), mediaFlowing(b.page)]);
      const fresh = await turnUsernames(a.page);
      assert.ok(Number(fresh[0]?.split(':')[0]) * 1000 > expiry, `fresh credentials fetched (${fresh})`);
      assert.notEqual(await ufrag(a.page), firstUfrag, 'relays allocated again by an ICE restart');
      const now = await selectedPair(a.page);
      assert.equal(now?.local, 'relay');
      report.ttl = { ttlSeconds: 60, heldMs: Date.now() - (expiry - 60_000), pair: now };
      await hangUp(a, b);
    });
  });
});
