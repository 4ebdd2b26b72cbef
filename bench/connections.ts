/**
 * Connection capacity benchmark: `npm run bench -- connections [--connections 20000]
 * [--identities 200] [--parallel 500] [--settle-seconds 30] [--sample 5]`.
 *
 * How many authenticated, idle graphql-ws connections, each with one live
 * `subscription { feed { position } }`, one server process holds, and the server's resident
 * memory per connection. The server runs as a process of its own (`api/main.ts`, in-memory
 * log, production mode), so VmRSS in /proc/<pid>/status is its memory alone. The sockets are
 * opened with `ws` by client child processes (a process holds only as many sockets as its
 * open-file limit allows), `--parallel` handshakes in flight at a time, bound to
 * 127.0.0.2–127.0.0.9 so that one source address does not run out of ephemeral ports; they
 * reuse the tokens of `--identities` identities registered over HTTP. Every process asks for a
 * higher open-file limit than it needs; where the hard limit is lower (no CAP_SYS_RESOURCE),
 * the connections attempted are capped at what the server's limit allows and a `limited_by`
 * line says so.
 *
 * RSS is sampled once a second after warm-up (before) and after the connections are open and
 * idle for at least `--settle-seconds` (longer than a keep-alive ping and its pong deadline);
 * each figure is the median of the last 7 samples once they agree within 1%. Then the display
 * names of `--sample` identities change and every socket of theirs must receive a `next`.
 *
 * Prints one JSON line per measurement, then the target lines and a final `met` line.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { register } from '../test/support/client.ts';
import { cpuSeconds, emitter, machine, median, round } from './measure.ts';
import { type BenchServer, checkAlive, spawnNode, spawnServer, stopServer } from './server.ts';
import { FeedSocket } from './ws-session.ts';

const emit = emitter('connections');

const TARGET_CONNECTIONS = 20_000;
const TARGET_KIB_PER_CONNECTION = 30;
const FEED = 'subscription { feed { position } }';
const CHANGE_NAME = 'mutation ($name: String!) { changeDisplayName(displayName: $name) { displayName } }';
/** Loopback only: 127.0.0.2 … 127.0.0.9. */
const SOURCE_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
/** Open files a process keeps for itself (stdio, epoll, pipes, HTTP clients) besides the sockets. */
const FD_RESERVE = 64;
const CONNECT_TIMEOUT_MS = 30_000;
/** Any HTTP request to the server (a server out of file descriptors accepts nothing). */
const HTTP_TIMEOUT_MS = 15_000;
/** The whole run is killed after this long, whatever state it is in. */
const WATCHDOG_MS = 10 * 60_000;
const ROLE_ENV = 'CV_BENCH_CONNECTIONS_ROLE';
const THIS_FILE = fileURLToPath(import.meta.url);

interface Options {
  connections: number;
  identities: number;
  parallel: number;
  settleSeconds: number;
  /** Identities whose display name is changed to check that their subscriptions are live. */
  sample: number;
}

function parseArgs(args: string[]): Options {
  const options: Options = {
    connections: TARGET_CONNECTIONS,
    identities: 200,
    parallel: 500,
    settleSeconds: 30,
    sample: 5,
  };
  const numeric: Record<string, keyof Options> = {
    '--connections': 'connections',
    '--identities': 'identities',
    '--parallel': 'parallel',
    '--settle-seconds': 'settleSeconds',
    '--sample': 'sample',
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === 'connections') continue;
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const key = numeric[flag];
    if (!key) throw new Error(`bench connections: unknown argument ${arg}`);
    const value = Number(inline ?? args[++i]);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`bench connections: ${flag} needs a whole number ≥ 1`);
    options[key] = value;
  }
  options.sample = Math.min(options.sample, options.identities);
  return options;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Soft and hard open-file limits of a process, from /proc/<pid>/limits. */
function nofile(pid: number | 'self'): { soft: number; hard: number } {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line ?? '').split(/\s+/).slice(3, 5).map(Number);
  return { soft: soft ?? Number.NaN, hard: hard ?? Number.NaN };
}

/** Resident set size of a process, bytes. */
function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

const openFiles = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

// ---------------------------------------------------------------------------------------------
// BenchServer

async function health(url: string): Promise<{ connections?: number }> {
  const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  return (await res.json()) as { connections?: number };
}

async function changeDisplayName(url: string, token: string, name: string): Promise<void> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: CHANGE_NAME, variables: { name } }),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  if (!body.data) throw new Error(`changeDisplayName failed: ${JSON.stringify(body.errors)}`);
}

/** Selected lines of the server's Prometheus metrics. */
async function serverMetrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) })).text();
  const wanted = [
    'process_resident_memory_bytes',
    'nodejs_heap_size_total_bytes',
    'nodejs_heap_size_used_bytes',
    'nodejs_external_memory_bytes',
    'callvault_websocket_connections',
  ];
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [name, value] = line.split(' ');
    if (name && wanted.includes(name)) out[name] = Number(value);
  }
  return out;
}

/**
 * Samples the server's RSS once a second: at least `minSeconds`, then until the last
 * `window` samples lie within 1% of each other (for at most 30 s more). Returns the median
 * and the samples of that window.
 */
async function settledRss(
  server: BenchServer,
  minSeconds: number,
  window = 7,
): Promise<{ value: number; runs: number[]; waited: number; spread: number }> {
  const maxSeconds = Math.max(minSeconds, window) + 30;
  const samples: number[] = [];
  const started = performance.now();
  for (;;) {
    checkAlive(server);
    samples.push(rssBytes(server.pid));
    const waited = (performance.now() - started) / 1000;
    const last = samples.slice(-window);
    const spread = last.length ? (Math.max(...last) - Math.min(...last)) / median(last) : 1;
    if ((waited >= minSeconds && last.length === window && spread <= 0.01) || waited >= maxSeconds) {
      return { value: median(last), runs: last, waited, spread };
    }
    await sleep(1000);
  }
}

// ---------------------------------------------------------------------------------------------
// Client processes: each holds a share of the sockets and answers the coordinator over IPC.

interface OpenRequest {
  url: string;
  tokens: string[];
  /** Global index of this process's first connection (picks identity and source address). */
  offset: number;
  count: number;
  parallel: number;
}

interface OpenReply {
  ok: number;
  failed: number;
  failures: Record<string, number>;
  ms: number;
}

interface StatsReply {
  open: number;
  closed: number;
  closeCodes: Record<string, number>;
  subscriptionErrors: number;
  completed: number;
  /** Per sample identity: open sockets and how many of them received at least one `next`. */
  sample: { open: number; received: number }[];
}

interface Conn {
  ws: WebSocket;
  identity: number;
  open: boolean;
  nexts: number;
}

async function clientMain(): Promise<void> {
  const conns: Conn[] = [];
  const closeCodes: Record<string, number> = {};
  let subscriptionErrors = 0;
  let completed = 0;

  async function connect(
    url: string,
    token: string,
    identity: number,
    localAddress: string,
  ): Promise<Conn | string> {
    const conn = { identity, open: false, nexts: 0 };
    const socket = await FeedSocket.open({
      url,
      token,
      feed: FEED,
      localAddress,
      timeoutMs: CONNECT_TIMEOUT_MS,
      onItem: () => conn.nexts++,
      onMessage: (type) => {
        if (type === 'error') subscriptionErrors++;
        else if (type === 'complete') completed++;
      },
      onClose: (code) => {
        closeCodes[code] = (closeCodes[code] ?? 0) + 1;
        conn.open = false;
      },
    });
    if (typeof socket === 'string') return socket;
    conn.open = socket.isOpen;
    return Object.assign(conn, { ws: socket.ws });
  }

  async function open(req: OpenRequest): Promise<OpenReply> {
    const started = performance.now();
    const failures: Record<string, number> = {};
    let ok = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(req.parallel, req.count) }, async () => {
        while (next < req.count) {
          const g = req.offset + next++;
          const identity = g % req.tokens.length;
          const address = SOURCE_ADDRESSES[g % SOURCE_ADDRESSES.length]!;
          const result = await connect(req.url, req.tokens[identity]!, identity, address);
          if (typeof result === 'string') failures[result] = (failures[result] ?? 0) + 1;
          else {
            conns.push(result);
            ok++;
          }
        }
      }),
    );
    return { ok, failed: req.count - ok, failures, ms: performance.now() - started };
  }

  function stats(sampleSize: number): StatsReply {
    const sample = Array.from({ length: sampleSize }, () => ({ open: 0, received: 0 }));
    let open = 0;
    for (const c of conns) {
      if (!c.open) continue;
      open++;
      const s = sample[c.identity];
      if (s) {
        s.open++;
        if (c.nexts > 0) s.received++;
      }
    }
    return { open, closed: conns.length - open, closeCodes, subscriptionErrors, completed, sample };
  }

  /** Closes every socket (close handshake; `terminate` after 15 s) and forgets them. */
  async function closeAll(): Promise<{ ms: number; terminated: number }> {
    const started = performance.now();
    const pending = conns.splice(0).filter((c) => c.ws.readyState !== WebSocket.CLOSED);
    const closed = Promise.all(
      pending.map((c) => new Promise<void>((resolve) => c.ws.once('close', () => resolve()))),
    );
    for (const c of pending) c.ws.close(1000, 'bench done');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 15_000);
    });
    await Promise.race([closed, timeout]);
    clearTimeout(timer);
    let terminated = 0;
    for (const c of pending) {
      if (c.ws.readyState !== WebSocket.CLOSED) {
        c.ws.terminate();
        terminated++;
      }
    }
    for (const code of Object.keys(closeCodes)) delete closeCodes[code];
    subscriptionErrors = 0;
    completed = 0;
    return { ms: performance.now() - started, terminated };
  }

  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg: any) => {
    const reply = (body: unknown) => process.send!({ id: msg.id, body });
    if (msg.type === 'open') void open(msg.body as OpenRequest).then(reply);
    else if (msg.type === 'stats') reply(stats(msg.body as number));
    else if (msg.type === 'close') void closeAll().then(reply);
  });
  process.send!({ id: 0, body: { ready: true, nofile: nofile('self') } });
}

/** The coordinator's handle on one client process. */
class ClientProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (body: any) => void>();
  readonly ready: Promise<{ nofile: { soft: number; hard: number } }>;
  readonly child: ChildProcess;

  constructor(nofileWanted: number) {
    this.child = spawnNode(THIS_FILE, nofileWanted, { [ROLE_ENV]: 'client' }, [
      'ignore',
      'inherit',
      'inherit',
      'ipc',
    ]);
    this.ready = new Promise((resolve, reject) => {
      this.pending.set(0, resolve);
      this.child.once('exit', (code) => {
        reject(new Error(`client process exited (${code})`));
        this.pending.delete(0);
        for (const r of this.pending.values()) r(undefined);
        this.pending.clear();
      });
    });
    this.ready.catch(() => {});
    this.child.on('message', (msg: any) => {
      const resolve = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      resolve?.(msg.body);
    });
  }

  request<T>(type: string, body: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, (b) =>
        b === undefined ? reject(new Error('client process gone')) : resolve(b as T),
      );
      this.child.send({ id, type, body });
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------
// Coordinator

function mergeCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

async function totals(clients: ClientProcess[], sample: number): Promise<StatsReply> {
  const all = await Promise.all(clients.map((c) => c.request<StatsReply>('stats', sample)));
  const out: StatsReply = {
    open: 0,
    closed: 0,
    closeCodes: {},
    subscriptionErrors: 0,
    completed: 0,
    sample: Array.from({ length: sample }, () => ({ open: 0, received: 0 })),
  };
  for (const s of all) {
    out.open += s.open;
    out.closed += s.closed;
    out.subscriptionErrors += s.subscriptionErrors;
    out.completed += s.completed;
    mergeCounts(out.closeCodes, s.closeCodes);
    s.sample.forEach((x, i) => {
      out.sample[i]!.open += x.open;
      out.sample[i]!.received += x.received;
    });
  }
  return out;
}

/** Opens `count` connections spread over the clients; resolves with the merged replies. */
async function openAcross(
  clients: ClientProcess[],
  url: string,
  tokens: string[],
  count: number,
  parallel: number,
): Promise<OpenReply & { wallMs: number }> {
  const started = performance.now();
  const share = Math.ceil(count / clients.length);
  const replies = await Promise.all(
    clients.map((c, i) => {
      const offset = i * share;
      const n = Math.max(0, Math.min(share, count - offset));
      return c.request<OpenReply>('open', {
        url,
        tokens,
        offset,
        count: n,
        parallel: Math.max(1, Math.ceil(parallel / clients.length)),
      } satisfies OpenRequest);
    }),
  );
  const out = { ok: 0, failed: 0, failures: {} as Record<string, number>, ms: 0, wallMs: 0 };
  for (const r of replies) {
    out.ok += r.ok;
    out.failed += r.failed;
    out.ms = Math.max(out.ms, r.ms);
    mergeCounts(out.failures, r.failures);
  }
  out.wallMs = performance.now() - started;
  return out;
}

const MIB = 2 ** 20;

export async function run(args: string[]): Promise<void> {
  const options = parseArgs(args);
  const benchStarted = performance.now();
  const own = nofile('self');
  emit({
    ...machine(),
    nofile_soft: own.soft,
    nofile_hard: own.hard,
  });

  const nofileWanted = Math.max(200_000, options.connections + 10 * FD_RESERVE);
  let server: BenchServer | null = null;
  const clients: ClientProcess[] = [];
  const killAll = () => {
    for (const c of clients) c.kill();
    if (server && server.exitCode() === undefined) server.child.kill('SIGKILL');
  };
  const watchdog = setTimeout(() => {
    console.error(`bench connections: still running after ${WATCHDOG_MS / 1000} s, killing everything`);
    killAll();
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  const onSignal = () => {
    killAll();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Also when this process dies of an uncaught error (e.g. its stdout closed): no orphans.
  process.on('exit', killAll);

  try {
    server = await spawnServer({ nofile: nofileWanted });
    const srv = server;
    const serverNofile = nofile(srv.pid);

    // Identities: registered over HTTP, their tokens reused round-robin by the connections.
    const registerStarted = performance.now();
    const tokens: string[] = new Array(options.identities);
    let nextIdentity = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (nextIdentity < options.identities) {
          const i = nextIdentity++;
          tokens[i] = (await register(srv.url, `Bench ${i}`)).token;
        }
      }),
    );
    const registerMs = performance.now() - registerStarted;

    // How many sockets the server can hold: its open-file limit minus what it already uses.
    const serverFdsIdle = openFiles(srv.pid);
    const serverBudget = serverNofile.soft - serverFdsIdle - FD_RESERVE;
    const attempted = Math.min(options.connections, serverBudget);

    // Client processes, each within its own open-file limit.
    const first = new ClientProcess(nofileWanted);
    clients.push(first);
    const perClient = (await first.ready).nofile.soft - FD_RESERVE;
    const processes = Math.max(1, Math.ceil(attempted / perClient));
    for (let i = 1; i < processes; i++) clients.push(new ClientProcess(nofileWanted));
    await Promise.all(clients.map((c) => c.ready));

    emit({
      setup: true,
      server_pid: srv.pid,
      server_nofile_soft: serverNofile.soft,
      server_nofile_hard: serverNofile.hard,
      server_open_files_idle: serverFdsIdle,
      client_processes: processes,
      client_nofile_soft: perClient + FD_RESERVE,
      source_addresses: `${SOURCE_ADDRESSES[0]}–${SOURCE_ADDRESSES.at(-1)}`,
      identities: options.identities,
      register_ms: round(registerMs),
      requested: options.connections,
      attempted,
      parallel: options.parallel,
    });
    if (attempted < options.connections) {
      emit({
        limited_by: 'server open-file limit',
        requested: options.connections,
        attempted,
        server_nofile_soft: serverNofile.soft,
        server_nofile_hard: serverNofile.hard,
        note: 'the hard limit could not be raised (setrlimit needs CAP_SYS_RESOURCE)',
      });
    }

    // Warm-up: the WebSocket and subscription paths once, then every socket closed again.
    const warm = Math.min(500, attempted);
    await openAcross([first], srv.wsUrl, tokens, warm, options.parallel);
    await first.request('close', null);
    checkAlive(srv);

    const before = await settledRss(srv, 3);
    const metricsBefore = await serverMetrics(srv.url);
    emit({
      metric: 'server_rss_before',
      value: round(before.value / MIB, 1),
      runs: before.runs.map((v) => round(v / MIB, 1)),
      unit: 'MiB',
      settle_s: round(before.waited, 1),
    });

    // The connections.
    const opened = await openAcross(clients, srv.wsUrl, tokens, attempted, options.parallel);
    checkAlive(srv);
    emit({
      metric: 'connect_rate',
      value: round(opened.ok / (opened.wallMs / 1000)),
      unit: 'connections/s',
      opened: opened.ok,
      failed: opened.failed,
      failures: opened.failures,
      seconds: round(opened.wallMs / 1000, 2),
      parallel: options.parallel,
    });

    const idleCpuStart = cpuSeconds(srv.pid);
    const after = await settledRss(srv, options.settleSeconds);
    const idleCpu = (cpuSeconds(srv.pid) - idleCpuStart) / after.waited;
    const metricsAfter = await serverMetrics(srv.url);
    const idle = await totals(clients, options.sample);
    const healthOpen = await health(srv.url);
    emit({
      metric: 'server_rss_after',
      value: round(after.value / MIB, 1),
      runs: after.runs.map((v) => round(v / MIB, 1)),
      unit: 'MiB',
      settle_s: round(after.waited, 1),
      spread: round(after.spread, 4),
      server_open_files: openFiles(srv.pid),
      server_cpu_while_idle_percent: round(idleCpu * 100, 1),
    });

    // Live check: a display-name change reaches every socket of the sample identities.
    const sampleTokens = tokens.slice(0, options.sample);
    const changed = performance.now();
    await Promise.all(
      sampleTokens.map(async (token, i) => {
        await changeDisplayName(srv.url, token, `Bench ${i} renamed`);
      }),
    );
    let live = await totals(clients, options.sample);
    const expected = () => live.sample.reduce((n, s) => n + s.open, 0);
    const received = () => live.sample.reduce((n, s) => n + s.received, 0);
    while (received() < expected() && performance.now() - changed < 15_000) {
      await sleep(250);
      live = await totals(clients, options.sample);
    }
    const deliveredMs = performance.now() - changed;

    const held = live.open;
    const perConnection = (after.value - before.value) / Math.max(1, opened.ok);
    emit({
      metric: 'connections_held',
      value: held,
      opened: opened.ok,
      server_reported: healthOpen.connections ?? null,
      closed_since_open: idle.closed,
      close_codes: idle.closeCodes,
      subscription_errors: live.subscriptionErrors,
      subscriptions_completed: live.completed,
    });
    emit({
      metric: 'subscriptions_live',
      sample_identities: options.sample,
      sockets_expected: expected(),
      sockets_received: received(),
      ms: round(deliveredMs),
    });
    emit({
      metric: 'rss_per_connection',
      value: round(perConnection / 1024, 2),
      unit: 'KiB',
      connections: opened.ok,
      rss_before_mib: round(before.value / MIB, 1),
      rss_after_mib: round(after.value / MIB, 1),
    });
    const perConn = (name: string) =>
      round(((metricsAfter[name] ?? 0) - (metricsBefore[name] ?? 0)) / Math.max(1, opened.ok) / 1024, 2);
    emit({
      metric: 'heap_per_connection',
      heap_used_kib: perConn('nodejs_heap_size_used_bytes'),
      heap_total_kib: perConn('nodejs_heap_size_total_bytes'),
      external_kib: perConn('nodejs_external_memory_bytes'),
      unit: 'KiB',
      note: 'from the server /metrics before and after (heap used includes uncollected garbage)',
    });

    // Close everything: sockets first, then the clients and the server.
    const closeStarted = performance.now();
    const closes = await Promise.all(clients.map((c) => c.request<{ terminated: number }>('close', null)));
    const closeMs = performance.now() - closeStarted;
    await sleep(500);
    const healthAfterClose = await health(srv.url);
    for (const c of clients) c.child.disconnect();
    const stopped = await stopServer(srv);
    emit({
      metric: 'shutdown',
      close_ms: round(closeMs),
      terminated: closes.reduce((n, c) => n + c.terminated, 0),
      server_connections_after_close: healthAfterClose.connections ?? null,
      server_exit_code: stopped.code,
      server_stop_ms: round(stopped.ms),
      total_s: round((performance.now() - benchStarted) / 1000, 1),
    });

    const heldMet = held >= TARGET_CONNECTIONS;
    const memoryMet = perConnection / 1024 <= TARGET_KIB_PER_CONNECTION;
    const liveMet = expected() > 0 && received() === expected();
    emit({
      target: 'connections held by one server process',
      threshold: TARGET_CONNECTIONS,
      value: held,
      met: heldMet,
    });
    emit({
      target: 'server RSS per connection',
      threshold: TARGET_KIB_PER_CONNECTION,
      value: round(perConnection / 1024, 2),
      unit: 'KiB',
      met: memoryMet,
    });
    emit({ target: 'sampled subscriptions live', threshold: expected(), value: received(), met: liveMet });
    emit({ met: heldMet && memoryMet && liveMet, held, kib_per_connection: round(perConnection / 1024, 2) });
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killAll);
    killAll();
  }
}

if (process.env[ROLE_ENV] === 'client') {
  clientMain().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
