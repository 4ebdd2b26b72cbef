/**
 * Calls benchmark: `npm run bench -- calls [--calls N] [--duration D] [--rate R[,R…]]
 * [--load-calls N] [--mode memory|postgres|both] [--only setup|signaling] [--transport http|ws]
 * [--profile DIR]`.
 *
 * 1. **Call setup through TURN, in real Chromium.** A local coturn (REST secret), the app
 *    in-process (memory mode, `startServer`), a small node:http server that serves
 *    test/e2e/fixtures/call-page.js from its own origin (as test/e2e/webrtc-call.test.ts does),
 *    and one headless Chromium with two contexts signed in as A and B. N calls (20) run one
 *    after the other: A places (`cv.place` with a fresh signed call token; the page gets ICE
 *    servers and the camera first, as a real client does), B waits until it rings, accepts,
 *    and both wait for `connectionState === 'connected'` (relay only). Times come from the
 *    pages' own clocks (`performance.timeOrigin + performance.now()`, one system clock for
 *    both renderers): place → A connected, place → both connected, place → B ringing,
 *    accept → both connected; and the bench's wall clock around the whole exchange. Then A
 *    hangs up, both pages wait for ENDED and their call state is reset (same pages, same feed).
 *
 * 2. **Signaling round trip under load.** The app as a process of its own (`api/main.ts`,
 *    production, rate limits lifted; CPU from /proc/<pid>/stat), in memory mode and on
 *    PostgreSQL (a throwaway database). 2 × N identities (N = 1,000) register; each holds one
 *    graphql-ws socket subscribed to `feed(after: <head>)`; N calls are placed (`placeCall` with
 *    a call token) and accepted (`acceptCall`). Then for D seconds the callers send R CANDIDATE
 *    signals a second in aggregate (round robin over the calls, ~200-byte payloads carrying an
 *    id), and each callee echoes every one it receives back as a CANDIDATE signal. Round trip =
 *    the caller's feed delivers the echo − the caller's mutation was issued; one way = the
 *    callee's feed delivers it − issued. HTTP goes through one keep-alive agent; at most
 *    MAX_IN_FLIGHT signals are pending (a signal due when that many are pending is not sent
 *    and counted as `not_sent_on_schedule`). `--transport ws` (a diagnostic) sends the signals
 *    as graphql-ws operations over each side's feed socket instead.
 *
 * Prints one JSON line per measurement; the first describes the machine. Everything is bounded
 * by a watchdog and cleaned up (browser, coturn, servers, database) on the way out.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../test/support/browser.ts';
import { serveCallPage } from '../test/support/call-page.ts';
import { callToken, PLACE_CALL, register, type TestIdentity } from '../test/support/client.ts';
import { startCoturn } from '../test/support/coturn.ts';
import { startServer as startInProcess } from '../test/support/server.ts';
import { HttpSession } from './http-session.ts';
import {
  cpuSeconds,
  emitter,
  type Field,
  machine,
  machineBusySeconds,
  percentile,
  round,
} from './measure.ts';
import { type BenchServer, checkAlive, spawnServer, stopServer } from './server.ts';
import { countingEvents, type FeedSocket, openInto } from './ws-session.ts';

const emit = emitter('calls');

const MIB = 2 ** 20;

/** Setup: how long one call may take to ring, connect or end before it counts as failed. */
const STEP_TIMEOUT_MS = 30_000;
/** Signaling: concurrency of registrations, socket opens, placements. */
const REGISTER_CONCURRENCY = 50;
const CONNECT_CONCURRENCY = 200;
const PLACE_CONCURRENCY = 50;
/** Most signal mutations pending at once (and the keep-alive pool's size). */
const MAX_IN_FLIGHT = 512;
const TICK_MS = 10;
/** After the last acknowledged signal: how long its echo may still take. */
const GRACE_MS = 5000;
const WARMUP_S = 3;

const FEED = `subscription Feed($after: Position) {
  feed(after: $after) {
    __typename
    ... on CallUpdated { change call { callId status } }
    ... on CallSignal { callId from signal payload }
  }
}`;
const ACCEPT = 'mutation Accept($id: ID!) { acceptCall(callId: $id) { status } }';
const SIGNAL =
  'mutation Signal($id: ID!, $p: String!) { sendCallSignal(callId: $id, kind: CANDIDATE, payload: $p) }';

type Mode = 'memory' | 'postgres';
type Transport = 'http' | 'ws';
type Part = 'setup' | 'signaling';

interface Options {
  calls: number;
  duration: number;
  rates: number[];
  loadCalls: number;
  modes: Mode[];
  parts: Part[];
  /** Diagnostic: the server process writes a V8 CPU profile into this directory. */
  profileDir: string | null;
  /** How the load's signals are sent: HTTP POST (as the call page does), or over the feed socket. */
  transport: Transport;
}

function parseArgs(args: string[]): Options {
  const options: Options = {
    calls: 20,
    duration: 10,
    rates: [2000],
    loadCalls: 1000,
    modes: ['memory', 'postgres'],
    parts: ['setup', 'signaling'],
    profileDir: null,
    transport: 'http',
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === 'calls') continue;
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`bench calls: ${flag} needs a value`);
      return v;
    };
    const positive = (v: string) => {
      const n = Number(v);
      if (!(n > 0)) throw new Error(`bench calls: ${flag} needs a number > 0`);
      return n;
    };
    if (flag === '--calls') options.calls = Math.round(positive(value()));
    else if (flag === '--duration') options.duration = positive(value());
    else if (flag === '--rate') options.rates = value().split(',').map(positive);
    else if (flag === '--load-calls') options.loadCalls = Math.round(positive(value()));
    else if (flag === '--mode') {
      const v = value();
      if (v === 'both') options.modes = ['memory', 'postgres'];
      else if (v === 'memory' || v === 'postgres') options.modes = [v];
      else throw new Error('bench calls: --mode is memory, postgres or both');
    } else if (flag === '--only') {
      const v = value();
      if (v !== 'setup' && v !== 'signaling') throw new Error('bench calls: --only is setup or signaling');
      options.parts = [v];
    } else if (flag === '--profile') options.profileDir = value();
    else if (flag === '--transport') {
      const v = value();
      if (v !== 'http' && v !== 'ws') throw new Error('bench calls: --transport is http or ws');
      options.transport = v;
    } else throw new Error(`bench calls: unknown argument ${arg}`);
  }
  return options;
}

function summary(values: number[], digits = 1): Record<string, number> {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return {};
  return {
    min: round(s[0]!, digits),
    p50: round(percentile(s, 50), digits),
    p95: round(percentile(s, 95), digits),
    p99: round(percentile(s, 99), digits),
    max: round(s[s.length - 1]!, digits),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

/** Cleanups run last-in first-out, once each, whatever happened. */
class Cleanups {
  private readonly stack: { name: string; fn: () => Promise<void> | void }[] = [];
  push(name: string, fn: () => Promise<void> | void): () => Promise<void> {
    const entry = { name, fn };
    this.stack.push(entry);
    return async () => {
      const i = this.stack.indexOf(entry);
      if (i < 0) return;
      this.stack.splice(i, 1);
      await fn();
    };
  }
  async runAll(): Promise<void> {
    while (this.stack.length > 0) {
      const { name, fn } = this.stack.pop()!;
      try {
        await fn();
      } catch (error) {
        console.error(`bench calls: cleanup ${name} failed: ${(error as Error).message}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// /proc

function rss(pid: number): { hwm: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

/** CPU seconds of every process with this command name (PostgreSQL, coturn). */
function cpuSecondsOf(comm: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) total += cpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

function nofile(pid: number | 'self'): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3]);
}

function chromiumVersion(): string {
  const r = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return (r.stdout ?? '').trim() || `unknown (${r.error?.message ?? r.stderr?.trim()})`;
}

// ---------------------------------------------------------------------------------------------
// Part 1: call setup in Chromium

interface SetupResult {
  ok: boolean;
  why: string | null;
  /** In-page (A): place → A connected. */
  placeToA: number;
  /** place → both connected (page clocks). */
  placeToBoth: number;
  placeToRinging: number;
  acceptToBoth: number;
  /** Bench wall clock: before `place` → both pages seen connected. */
  wall: number;
  pair: string | null;
  pageErrors: number;
}

async function benchSetup(options: Options, cleanups: Cleanups): Promise<void> {
  const coturn = await startCoturn({ secret: 'bench-calls-turn-secret' });
  const stopCoturn = cleanups.push('coturn', () => coturn.stop());
  const page = await serveCallPage();
  const stopPage = cleanups.push('page server', () => {
    page.server.closeAllConnections();
    return new Promise<void>((r) => page.server.close(() => r()));
  });
  const server = await startInProcess('memory', {
    STUN_URLS: `stun:127.0.0.1:${coturn.port}`,
    TURN_MODE: 'rest',
    TURN_URLS: `turn:127.0.0.1:${coturn.port}?transport=udp`,
    TURN_SECRET: coturn.secret,
    ALLOWED_ORIGINS: page.origin,
    AUTH_RATE_BURST: '1000000',
    AUTH_RATE_PER_MINUTE: '1000000',
    MESSAGE_RATE_BURST: '1000000',
    MESSAGE_RATE_PER_MINUTE: '1000000',
  });
  const stopServer = cleanups.push('in-process server', () => server.close());
  const browserStarted = performance.now();
  const browser: Browser = await launchChromium();
  const closeBrowser = cleanups.push('chromium', () => browser.close());
  const launchMs = performance.now() - browserStarted;

  const ada = await register(server.url, 'Ada');
  const bob = await register(server.url, 'Bob');
  const open = async (who: TestIdentity): Promise<Page> => {
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(page.origin);
    await p.evaluate((o) => (window as any).cv.start(o), {
      url: server.url,
      wsUrl: server.wsUrl,
      token: who.token,
      address: who.address,
    });
    // Instrumentation only: note when this page starts ringing (cv.onItem is looked up per item).
    await p.evaluate(() => {
      const cv = (window as any).cv;
      const original = cv.onItem.bind(cv);
      cv.onItem = async (item: unknown) => {
        await original(item);
        if (cv.state.ringing && cv.state.ringingAt === undefined)
          cv.state.ringingAt = performance.timeOrigin + performance.now();
      };
    });
    return p;
  };
  const pa = await open(ada);
  const pb = await open(bob);
  emit({
    part: 'setup',
    metric: 'environment',
    chromium_launch_ms: round(launchMs),
    turn: `turn:127.0.0.1:${coturn.port}?transport=udp (coturn, REST secret)`,
    ice_transport_policy: 'relay',
    media: 'VIDEO (fake camera and microphone)',
  });

  const wait = (p: Page, fn: (arg: any) => boolean, arg?: unknown) =>
    p.waitForFunction(fn, arg, { polling: 5, timeout: STEP_TIMEOUT_MS });

  const results: SetupResult[] = [];
  const coturn0 = cpuSecondsOf('turnserver');
  for (let i = 0; i < options.calls; i++) {
    const r: SetupResult = {
      ok: false,
      why: null,
      placeToA: Number.NaN,
      placeToBoth: Number.NaN,
      placeToRinging: Number.NaN,
      acceptToBoth: Number.NaN,
      wall: Number.NaN,
      pair: null,
      pageErrors: 0,
    };
    let callId: string | null = null;
    try {
      const input = callToken(ada, bob.address, { media: 'VIDEO' });
      callId = input.callId;
      const wall0 = performance.now();
      const placed = await pa.evaluate(async (i) => {
        const cv = (window as any).cv;
        const call = await cv.place(i);
        return { status: call.status as string, placedAt: performance.timeOrigin + cv.placedAt };
      }, input);
      if (placed.status !== 'PLACED') throw new Error(`placeCall → ${placed.status}`);
      await wait(pb, (id) => (window as any).cv.state.ringing === id, callId);
      const acceptAt = await pb.evaluate(async () => {
        const t = performance.timeOrigin + performance.now();
        await (window as any).cv.accept();
        return t;
      });
      await Promise.all(
        [pa, pb].map((p) => wait(p, () => (window as any).cv.state.connection === 'connected')),
      );
      r.wall = performance.now() - wall0;
      const times = async (p: Page) =>
        p.evaluate(() => {
          const cv = (window as any).cv;
          return {
            connectedAt: performance.timeOrigin + (cv.state.connectedAt as number),
            ringingAt: (cv.state.ringingAt as number | undefined) ?? Number.NaN,
            setup: (cv.state.connectedAt as number) - ((cv.placedAt as number | undefined) ?? Number.NaN),
          };
        });
      const [a, b] = [await times(pa), await times(pb)];
      r.placeToA = a.setup;
      r.placeToBoth = Math.max(a.connectedAt, b.connectedAt) - placed.placedAt;
      r.placeToRinging = b.ringingAt - placed.placedAt;
      r.acceptToBoth = Math.max(a.connectedAt, b.connectedAt) - acceptAt;
      r.ok = true;
      // Which candidate pair carries the call (relay/relay expected): A's view, 3 s at most.
      r.pair = await pa
        .waitForFunction(
          async () => {
            const st = await (window as any).cv.stats();
            return st.local !== null && st.remote !== null ? `${st.local}/${st.remote}` : false;
          },
          undefined,
          { polling: 20, timeout: 3000 },
        )
        .then((h) => h.jsonValue() as Promise<string>)
        .catch(() => null);
    } catch (error) {
      r.why = String((error as Error).message)
        .split('\n', 1)[0]!
        .slice(0, 200);
    }
    // Hang up (a call that never connected is cancelled the same way) and wait for ENDED or
    // CANCELLED on both sides, then reset both pages for the next call.
    try {
      await pa.evaluate(() => (window as any).cv.hangUp());
      const over = (id: string) => {
        const s = (window as any).cv.state.calls[id]?.status;
        return s === 'ENDED' || s === 'CANCELLED' || s === 'MISSED';
      };
      await Promise.all([pa, pb].map((p) => wait(p, over, callId)));
    } catch (error) {
      r.ok = false;
      r.why ??= `hang up: ${String((error as Error).message).split('\n', 1)[0]}`;
    }
    for (const p of [pa, pb]) {
      r.pageErrors += await p.evaluate(() => {
        const cv = (window as any).cv;
        const errors = cv.state.errors.length as number;
        try {
          for (const s of cv.pc?.getSenders() ?? []) s.track?.stop();
          cv.pc?.close();
        } catch {
          // already closed
        }
        cv.pc = null;
        cv.callId = undefined;
        cv.placedAt = undefined;
        cv.pending = [];
        cv.state = { calls: {}, signals: 0, errors: [] };
        return errors;
      });
    }
    results.push(r);
    emit({
      part: 'setup',
      metric: 'call',
      n: i + 1,
      connected: r.ok,
      place_to_a_connected_ms: round(r.placeToA, 1),
      place_to_both_connected_ms: round(r.placeToBoth, 1),
      place_to_b_ringing_ms: round(r.placeToRinging, 1),
      accept_to_both_connected_ms: round(r.acceptToBoth, 1),
      bench_wall_ms: round(r.wall, 1),
      pair: r.pair,
      page_errors: r.pageErrors,
      why: r.why,
    });
  }
  const coturnCpu = cpuSecondsOf('turnserver') - coturn0;
  const ok = results.filter((r) => r.ok);
  const pairs: Record<string, number> = {};
  for (const r of ok) count(pairs, r.pair ?? 'unknown');
  const failures: Record<string, number> = {};
  for (const r of results) if (!r.ok) count(failures, r.why ?? 'unknown');
  emit({
    part: 'setup',
    metric: 'call_setup',
    calls: results.length,
    connected: ok.length,
    place_to_a_connected_ms: summary(ok.map((r) => r.placeToA)),
    place_to_both_connected_ms: summary(ok.map((r) => r.placeToBoth)),
    place_to_b_ringing_ms: summary(ok.map((r) => r.placeToRinging)),
    accept_to_both_connected_ms: summary(ok.map((r) => r.acceptToBoth)),
    bench_wall_ms: summary(ok.map((r) => r.wall)),
    first_call_place_to_both_ms: round(results[0]?.placeToBoth ?? Number.NaN, 1),
    pairs,
    failures,
    page_errors: results.reduce((n, r) => n + r.pageErrors, 0),
    coturn_cpu_s: round(coturnCpu, 2),
  });
  await closeBrowser();
  await stopServer();
  await stopPage();
  await stopCoturn();
}

// ---------------------------------------------------------------------------------------------
// Part 2: signaling under load

interface Probe {
  call: number;
  phase: Phase;
  t0: number;
  ack: number;
  atCallee: number;
  atCaller: number;
  echoes: number;
}

interface Phase {
  name: string;
  probes: Probe[];
  errors: Record<string, number>;
  echoErrors: Record<string, number>;
  echoesSent: number;
  lastAck: number;
}

interface LoadCall {
  callId: string;
  caller: number;
  callee: number;
}

/** 2N identities with a feed socket each, N accepted calls between them, and the probes in flight. */
class Signaling {
  readonly sockets: FeedSocket[] = [];
  readonly probes = new Map<string, Probe>();
  readonly calls: LoadCall[] = [];
  /** Per identity: the call it is in, and whether it is the caller. */
  readonly roles: { call: number; caller: boolean }[] = [];
  readonly wsEvents: Record<string, number> = {};
  acceptedSeen = 0;
  unknown = 0;
  inFlight = 0;
  retries = 0;
  private nextProbe = 0;
  readonly http: HttpSession;

  constructor(
    readonly server: BenchServer,
    readonly ids: TestIdentity[],
    readonly transport: Transport,
  ) {
    this.http = new HttpSession(server.port, MAX_IN_FLIGHT);
  }

  /** A mutation by identity i: over HTTP, or (transport ws) over its feed socket. */
  mutate(i: number, query: string, variables: Record<string, unknown>): Promise<any> {
    if (this.transport === 'http') return this.post(this.ids[i]!.token, query, variables);
    const socket = this.sockets[i];
    if (!socket) return Promise.reject(new Error('socket not open'));
    return socket.request(query, variables);
  }

  /** One GraphQL POST as `token`, counting retries of reused sockets. */
  post(token: string, query: string, variables: Record<string, unknown>): Promise<any> {
    return this.http.post(token, query, variables, () => this.retries++);
  }

  /** Opens identity i's feed socket; resolves once the feed subscription is sent (or with why not). */
  connect(i: number, after: number): Promise<string | null> {
    return openInto(this.sockets, i, {
      url: this.server.wsUrl,
      token: this.ids[i]!.token,
      feed: FEED,
      after,
      onItem: (item, at) => this.item(i, item, at),
      ...countingEvents(this.wsEvents),
    });
  }

  private item(i: number, item: any, at: number): void {
    if (!item) return;
    const role = this.roles[i];
    if (item.__typename === 'CallUpdated') {
      if (role?.caller && item.call?.status === 'ACCEPTED') this.acceptedSeen++;
      return;
    }
    if (item.__typename !== 'CallSignal' || !role) return;
    const id = /"usernameFragment":"bench-([^"]+)"/.exec(item.payload)?.[1];
    const probe = id === undefined ? undefined : this.probes.get(id);
    if (!probe) {
      this.unknown++;
      return;
    }
    if (role.caller) {
      // The callee's echo.
      probe.echoes++;
      if (probe.echoes === 1) probe.atCaller = at;
      return;
    }
    if (probe.atCallee < 0) probe.atCallee = at;
    const phase = probe.phase;
    phase.echoesSent++;
    this.inFlight++;
    this.mutate(i, SIGNAL, { id: item.callId, p: item.payload }).then(
      () => this.inFlight--,
      (error: Error) => {
        this.inFlight--;
        count(phase.echoErrors, error.message);
      },
    );
  }

  /** The caller of call k sends one candidate. */
  send(phase: Phase, k: number): void {
    const call = this.calls[k]!;
    const id = (this.nextProbe++).toString(36).padStart(8, '0');
    const probe: Probe = {
      call: k,
      phase,
      t0: performance.now(),
      ack: -1,
      atCallee: -1,
      atCaller: -1,
      echoes: 0,
    };
    this.probes.set(id, probe);
    phase.probes.push(probe);
    this.inFlight++;
    this.mutate(call.caller, SIGNAL, { id: call.callId, p: candidatePayload(id) }).then(
      () => {
        this.inFlight--;
        probe.ack = performance.now();
        phase.lastAck = probe.ack;
      },
      (error: Error) => {
        this.inFlight--;
        count(phase.errors, error.message);
      },
    );
  }

  get open(): number {
    return this.sockets.filter((socket) => socket?.isOpen).length;
  }

  close(): void {
    this.http.close();
    for (const socket of this.sockets) socket?.terminate();
  }
}

/** A trickle-ICE candidate as Chromium sends it (toJSON), with the probe id: about 200 bytes. */
function candidatePayload(id: string): string {
  return JSON.stringify({
    candidate: `candidate:1467250027 1 udp 2122260223 127.0.0.1 ${40000 + (Number.parseInt(id, 36) % 20000)} typ host generation 0 ufrag Bnch network-id 1`,
    sdpMid: '0',
    sdpMLineIndex: 0,
    // The probe id rides in the ufrag: a candidate signal carries only the four standard fields.
    usernameFragment: `bench-${id}`,
  });
}

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function openSignaling(
  server: BenchServer,
  calls: number,
  mode: Mode,
  transport: Transport,
): Promise<Signaling> {
  const t0 = performance.now();
  const ids: TestIdentity[] = new Array(2 * calls);
  await pool(2 * calls, REGISTER_CONCURRENCY, async (i) => {
    ids[i] = await register(server.url, `Bench ${i}`);
  });
  const registerS = (performance.now() - t0) / 1000;
  const s = new Signaling(server, ids, transport);
  for (let k = 0; k < calls; k++) {
    s.roles[k] = { call: k, caller: true };
    s.roles[calls + k] = { call: k, caller: false };
  }
  const t1 = performance.now();
  const health = (await (await fetch(`${server.url}/api/health`)).json()) as { position: number };
  const failures: Record<string, number> = {};
  await pool(2 * calls, CONNECT_CONCURRENCY, async (i) => {
    const error = await s.connect(i, health.position);
    if (error) count(failures, error);
  });
  if (Object.keys(failures).length > 0) {
    s.close();
    throw new Error(`could not open every socket: ${JSON.stringify(failures)}`);
  }
  const connectS = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  const placeErrors: Record<string, number> = {};
  await pool(calls, PLACE_CONCURRENCY, async (k) => {
    const caller = ids[k]!;
    const callee = ids[calls + k]!;
    try {
      const input = callToken(caller, callee.address, { media: 'AUDIO' });
      const placed = await s.post(caller.token, PLACE_CALL, { input });
      if (placed.placeCall.status !== 'PLACED') throw new Error(`placed: ${placed.placeCall.status}`);
      const accepted = await s.post(callee.token, ACCEPT, { id: input.callId });
      if (accepted.acceptCall.status !== 'ACCEPTED')
        throw new Error(`accepted: ${accepted.acceptCall.status}`);
      s.calls[k] = { callId: input.callId, caller: k, callee: calls + k };
    } catch (error) {
      count(placeErrors, (error as Error).message);
    }
  });
  if (Object.keys(placeErrors).length > 0) {
    s.close();
    throw new Error(`could not place and accept every call: ${JSON.stringify(placeErrors)}`);
  }
  const until = performance.now() + 30_000;
  while (s.acceptedSeen < calls && performance.now() < until) await sleep(50);
  const placeS = (performance.now() - t2) / 1000;
  const mem = rss(server.pid);
  emit({
    part: 'signaling',
    mode,
    metric: 'setup',
    identities: 2 * calls,
    calls,
    register_s: round(registerS, 1),
    connect_s: round(connectS, 1),
    place_and_accept_s: round(placeS, 1),
    accepted_seen_by_callers: s.acceptedSeen,
    sockets_open: s.open,
    server_rss_mib: round(mem.rss / MIB, 1),
    server_nofile: nofile(server.pid),
  });
  if (s.acceptedSeen < calls) {
    s.close();
    throw new Error(`only ${s.acceptedSeen} of ${calls} callers saw their call accepted in their feed`);
  }
  return s;
}

async function load(s: Signaling, mode: Mode, rate: number, duration: number, name: string) {
  const phase: Phase = { name, probes: [], errors: {}, echoErrors: {}, echoesSent: 0, lastAck: 0 };
  const total = Math.round(rate * duration);
  const unknown0 = s.unknown;
  const retries0 = s.retries;
  let issued = 0;
  let skipped = 0;
  let next = 0;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const pid = s.server.pid;
  const cpu0 = cpuSeconds(pid);
  const pg0 = mode === 'postgres' ? cpuSecondsOf('postgres') : 0;
  const busy0 = machineBusySeconds();
  const bench0 = process.cpuUsage();
  loop.enable();
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      while (issued + skipped < due) {
        const k = next++ % s.calls.length;
        if (s.inFlight >= MAX_IN_FLIGHT) skipped++;
        else {
          s.send(phase, k);
          issued++;
        }
      }
      if (issued + skipped >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, TICK_MS);
  });
  const elapsed = (performance.now() - start) / 1000;
  const serverCpuS = cpuSeconds(pid) - cpu0;
  const postgresCpuS = mode === 'postgres' ? cpuSecondsOf('postgres') - pg0 : 0;
  const busyS = machineBusySeconds() - busy0;
  const benchCpu = process.cpuUsage(bench0);
  loop.disable();

  // Let every mutation (signals and echoes) settle, then give echoes GRACE_MS after the last ack.
  const hardStop = performance.now() + 60_000;
  while (s.inFlight > 0 && performance.now() < hardStop) await sleep(20);
  const graceEnd = Math.max(performance.now(), phase.lastAck) + GRACE_MS;
  const pending = () => phase.probes.some((p) => p.ack >= 0 && p.echoes === 0);
  while (performance.now() < graceEnd && pending()) await sleep(50);
  while (s.inFlight > 0 && performance.now() < hardStop) await sleep(20);
  await sleep(200);
  const drainedS = (performance.now() - start) / 1000 - elapsed;

  const rtt: number[] = [];
  const oneWay: number[] = [];
  const ack: number[] = [];
  let acked = 0;
  let atCallee = 0;
  let echoed = 0;
  let lost = 0;
  let duplicated = 0;
  for (const p of phase.probes) {
    if (p.ack >= 0) {
      acked++;
      ack.push(p.ack - p.t0);
      if (p.echoes === 0) lost++;
    }
    if (p.atCallee >= 0) {
      atCallee++;
      oneWay.push(p.atCallee - p.t0);
    }
    if (p.echoes > 0) {
      echoed++;
      rtt.push(p.atCaller - p.t0);
    }
    if (p.echoes > 1) duplicated++;
  }
  for (const [id, p] of s.probes) if (p.phase === phase) s.probes.delete(id);
  const mem = rss(pid);
  return {
    part: 'signaling',
    mode,
    metric: name,
    transport: s.transport,
    calls: s.calls.length,
    rate,
    duration_s: duration,
    scheduled: total,
    sent: issued,
    not_sent_on_schedule: skipped,
    acked,
    send_errors: phase.errors,
    received_by_callee: atCallee,
    echoes_sent: phase.echoesSent,
    echo_errors: phase.echoErrors,
    echoes_received: echoed,
    lost,
    duplicated,
    retries: s.retries - retries0,
    unknown_received: s.unknown - unknown0,
    round_trip_ms: summary(rtt, 2),
    one_way_ms: summary(oneWay, 2),
    send_ack_ms: summary(ack, 2),
    achieved_rate: round(acked / elapsed),
    round_trips_per_s: round(echoed / (elapsed + drainedS)),
    drain_s: round(drainedS, 1),
    server_cpu_s: round(serverCpuS, 2),
    server_cpu_cores: round(serverCpuS / elapsed, 2),
    server_cpu_ms_per_signal: round((serverCpuS * 1000) / Math.max(1, acked + phase.echoesSent), 3),
    postgres_cpu_s: mode === 'postgres' ? round(postgresCpuS, 2) : null,
    bench_cpu_s: round((benchCpu.user + benchCpu.system) / 1e6, 2),
    bench_loop_delay_p99_ms: round(loop.percentile(99) / 1e6, 2),
    machine_busy_cores: round(busyS / elapsed, 2),
    other_cpu_s: round(busyS - serverCpuS - postgresCpuS - (benchCpu.user + benchCpu.system) / 1e6, 2),
    server_rss_mib: round(mem.rss / MIB, 1),
    server_peak_rss_mib: round(mem.hwm / MIB, 1),
    sockets_open: s.open,
    ws_events: { ...s.wsEvents },
  } satisfies Record<string, Field>;
}

async function benchSignaling(mode: Mode, options: Options, cleanups: Cleanups): Promise<void> {
  let databaseUrl: string | null = null;
  let dropDb: (() => Promise<void>) | null = null;
  if (mode === 'postgres') {
    if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
    const { createTestDatabase } = await import('../test/support/postgres.ts');
    const db = await createTestDatabase();
    dropDb = cleanups.push('database', () => db.drop());
    databaseUrl = db.url;
  }
  const server = await spawnServer({ databaseUrl, profileDir: options.profileDir });
  const stop = cleanups.push('server process', async () => {
    await stopServer(server);
  });
  let session: Signaling | null = null;
  const closeSession = cleanups.push('sockets', () => session?.close());
  try {
    session = await openSignaling(server, options.loadCalls, mode, options.transport);
    checkAlive(server);
    // Warm-up (not measured): JIT on both sides, the keep-alive pool.
    const warm = await load(session, mode, Math.min(500, ...options.rates), WARMUP_S, 'warm_up');
    emit({ ...warm });
    for (const rate of options.rates) {
      checkAlive(server);
      await sleep(2000);
      emit({ ...(await load(session, mode, rate, options.duration, 'round_trip')) });
    }
    checkAlive(server);
  } finally {
    await closeSession();
    await stop();
    await dropDb?.();
  }
}

export async function run(args: string[]): Promise<void> {
  const options = parseArgs(args);
  emit({
    ...machine(),
    chromium: chromiumVersion(),
    date: new Date().toISOString(),
    load_avg_1m: round(os.loadavg()[0]!, 2),
    bench_nofile: nofile('self'),
    browser_calls: options.parts.includes('setup') ? options.calls : 0,
    load_calls: options.parts.includes('signaling') ? options.loadCalls : 0,
    rates: options.rates,
    duration_s: options.duration,
    modes: options.modes.join(','),
    transport: options.transport,
  });

  const cleanups = new Cleanups();
  const onSignal = () => {
    void cleanups.runAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Bounded whatever happens: each browser call has at most 4 steps of STEP_TIMEOUT_MS; each
  // mode registers, connects and places for at most a few minutes, then loads with grace.
  const budgetS =
    (options.parts.includes('setup') ? 120 + (options.calls * 4 * STEP_TIMEOUT_MS) / 1000 : 0) +
    (options.parts.includes('signaling')
      ? options.modes.length * (420 + options.rates.length * (options.duration + 70) + WARMUP_S + 70)
      : 0);
  const watchdog = setTimeout(() => {
    console.error(`bench calls: still running after ${budgetS} s; stopping`);
    void cleanups.runAll().finally(() => process.exit(2));
  }, budgetS * 1000);
  try {
    if (options.parts.includes('setup')) await benchSetup(options, cleanups);
    if (options.parts.includes('signaling'))
      for (const mode of options.modes) await benchSignaling(mode, options, cleanups);
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanups.runAll();
  }
}
