/**
 * Cost benchmark: `npm run bench -- cost [--clients C] [--messages N] [--concurrency K]
 * [--mode memory|postgres|both] [--transport http|ws|both] [--nodes 1|2] [--followers K] [--pin] [--callgrind DIR]
 * [--warmup N] [--profile DIR] [--syscalls DIR]`.
 *
 * What one delivered message costs the server, measured on a fixed amount of work rather
 * than against the clock, so that it holds on a machine shared with other work: C identities
 * (300) each hold a graphql-ws socket with a live feed; N messages (2,000) go between random
 * pairs, K (32) in flight at a time (closed loop: the server is never overloaded, so no
 * queueing inflates the figure); the phase ends when every message has reached its
 * recipient's feed. Printed per transport (`http`: sendMessage POSTed over keep-alive;
 * `ws`: over the sender's open socket): the server's CPU ms per message (/proc of the server
 * process) and, in PostgreSQL mode, the CPU ms per message of the PostgreSQL processes
 * working for its database, and the latency from sending to the recipient's feed (p50/p99;
 * with a closed loop it shows the path's length, not queueing).
 *
 * --nodes 2 (PostgreSQL mode): two server processes on the one database; identity i registers
 * and holds its socket on node i mod 2 and sends through it, so about half of the messages
 * cross from one node to the other through the log. CPU is summed over the nodes, and the
 * latency is also given apart for messages whose sender and recipient are on the same node and
 * for those that cross (`latency_ms_same_node` / `latency_ms_cross_node`, p50/p90/p99).
 * --followers K starts K more nodes on the database that hold no clients: what following the
 * log alone (reading other nodes' commits, projecting, routing to nobody) costs a node, as
 * `follower_cpu_ms_per_msg` (not part of server_cpu_ms_per_msg).
 * --pin runs node k under `taskset -c k mod cores` (one core each; PostgreSQL and the bench
 * still run anywhere).
 * BENCH_SERVER_ROOT=DIR runs the server from another checkout (bench/server.ts).
 *
 * With --callgrind DIR the server runs under `valgrind --tool=callgrind` (slow: keep N
 * small) and each phase also prints the instructions the server executed per message
 * (counters zeroed at the start of the phase and dumped at its end) — a figure that other
 * load on the machine does not move. With --profile DIR the server writes a V8 CPU profile.
 * With --syscalls DIR, `strace -c` is attached to the server for each phase and the phase
 * prints the system calls (socket writes and reads, loop waits) per message — exact, and
 * blind to load, but the traced server is slowed, so its CPU figures mean nothing then.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { register } from '../test/support/client.ts';
import { HttpSession } from './http-session.ts';
import { cpuSeconds, emitter, machine, round, systemCpuSeconds } from './measure.ts';
import { postgresCpu, postgresCpuDelta } from './messaging.ts';
import { checkAlive, SERVER_HOST, spawnServer, stopServer } from './server.ts';
import { countSyscalls } from './syscalls.ts';
import { type FeedSocket, openInto } from './ws-session.ts';

const emit = emitter('cost');

const FEED = `subscription Feed($after: Position) {
  feed(after: $after) { __typename position ... on MessageAdded { message { id from body } } }
}`;
const SEND = 'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { position } }';

type Mode = 'memory' | 'postgres';
type Transport = 'http' | 'ws';

interface Options {
  clients: number;
  messages: number;
  concurrency: number;
  modes: Mode[];
  transports: Transport[];
  callgrindDir: string | null;
  profileDir: string | null;
  syscallsDir: string | null;
  nodes: number;
  followers: number;
  pin: boolean;
  /** Messages per transport before the measured phases. */
  warmup: number;
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    clients: 300,
    messages: 2000,
    concurrency: 32,
    modes: ['memory', 'postgres'],
    transports: ['http', 'ws'],
    callgrindDir: null,
    profileDir: null,
    syscallsDir: null,
    nodes: 1,
    followers: 0,
    pin: false,
    warmup: 3000,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === 'cost') continue;
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`bench cost: ${flag} needs a value`);
      return v;
    };
    const positive = () => {
      const n = Math.round(Number(value()));
      if (!(n > 0)) throw new Error(`bench cost: ${flag} needs a number > 0`);
      return n;
    };
    if (flag === '--clients') o.clients = positive();
    else if (flag === '--messages') o.messages = positive();
    else if (flag === '--concurrency') o.concurrency = positive();
    else if (flag === '--mode') {
      const v = value();
      if (v === 'both') o.modes = ['memory', 'postgres'];
      else if (v === 'memory' || v === 'postgres') o.modes = [v];
      else throw new Error('bench cost: --mode is memory, postgres or both');
    } else if (flag === '--transport') {
      const v = value();
      if (v === 'both') o.transports = ['http', 'ws'];
      else if (v === 'http' || v === 'ws') o.transports = [v];
      else throw new Error('bench cost: --transport is http, ws or both');
    } else if (flag === '--nodes') o.nodes = positive();
    else if (flag === '--pin') o.pin = true;
    else if (flag === '--warmup') o.warmup = positive();
    else if (flag === '--followers') o.followers = Math.round(Number(value()));
    else if (flag === '--callgrind') o.callgrindDir = path.resolve(value());
    else if (flag === '--profile') o.profileDir = path.resolve(value());
    else if (flag === '--syscalls') o.syscallsDir = path.resolve(value());
    else throw new Error(`bench cost: unknown argument ${arg}`);
  }
  if (o.clients < 2) throw new Error('bench cost: at least 2 clients');
  if (o.nodes > 1 && (o.modes.includes('memory') || o.callgrindDir))
    throw new Error('bench cost: --nodes > 1 needs --mode postgres (and no --callgrind)');
  if (!(o.followers >= 0)) throw new Error('bench cost: --followers needs a number ≥ 0');
  if (o.followers > 0 && (o.modes.includes('memory') || o.callgrindDir))
    throw new Error('bench cost: --followers needs --mode postgres (and no --callgrind)');
  if (o.pin && o.callgrindDir) throw new Error('bench cost: --pin and --callgrind do not go together');
  return o;
}

/** One query on a connection of its own (the bench's reads of the log, outside the servers). */
async function queryOnce<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const logHead = async (url: string) =>
  Number(
    (await queryOnce<{ head: string }>(url, 'SELECT coalesce(max(position), 0) AS head FROM cv_events'))[0]!
      .head,
  );

/**
 * Group commits of the log after `position`: each is one transaction, so its rows share an
 * xmin. With the events they hold, how well commits are batched (PostgreSQL mode).
 */
async function commitsAfter(url: string, position: number): Promise<{ commits: number; events: number }> {
  const [row] = await queryOnce<{ commits: string; events: string }>(
    url,
    'SELECT count(DISTINCT xmin::text) AS commits, count(*) AS events FROM cv_events WHERE position > $1',
    [position],
  );
  return { commits: Number(row!.commits), events: Number(row!.events) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Instructions (Ir) of the newest callgrind dump in `dir` for `pid`: in all, and by kind. */
function dumpedInstructions(dir: string, pid: number, before: Set<string>): Instructions {
  const files = readdirSync(dir).filter((f) => f.startsWith(`callgrind.out.${pid}`) && !before.has(f));
  if (files.length !== 1) throw new Error(`bench cost: expected one new callgrind dump, found ${files}`);
  const file = path.join(dir, files[0]!);
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error('bench cost: no totals in the callgrind dump');
  // Self cost by function, from callgrind's own reader: every function, none folded away.
  const annotated = spawnSync('callgrind_annotate', ['--auto=no', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (annotated.status !== 0) throw new Error(`bench cost: callgrind_annotate failed: ${annotated.stderr}`);
  const byKind = { compiler: 0, gc: 0 };
  for (const line of annotated.stdout.split('\n')) {
    const row = /^\s*([\d,]+) \([^)]*\)\s+(.*)$/.exec(line);
    if (!row || row[2]!.startsWith('PROGRAM TOTALS')) continue;
    const kind = INSTRUCTION_KINDS.find(([, pattern]) => pattern.test(row[2]!))?.[0];
    if (kind) byKind[kind] += Number(row[1]!.replaceAll(',', ''));
  }
  return { total: Number(m[1]), ...byKind };
}

interface Instructions {
  total: number;
  /** V8's optimizing compilers (TurboFan, Maglev): compiling, not running, the server's code. */
  compiler: number;
  /** The garbage collector (scavenges, marking, sweeping, write barriers). */
  gc: number;
}

const INSTRUCTION_KINDS: [keyof Omit<Instructions, 'total'>, RegExp][] = [
  ['compiler', /v8::internal::(compiler|maglev)::/],
  [
    'gc',
    /v8::internal::(Scaveng|Heap::|MarkCompact|Sweeper|Evacuat|Marking|MinorM|ConcurrentMarking|GCTracer|MemoryAllocator|PretenuringHandler|BodyDescriptorBase)|heap::base::|Builtins_RecordWrite/,
  ],
];

/**
 * Sends a callgrind_control command. valgrind takes commands only while the process runs
 * code (vgdb cannot wake one blocked in epoll_wait: no ptrace here), so the server is kept
 * busy with health requests until the command has been taken — a few cheap requests, next
 * to the thousands of messages of a phase.
 */
async function callgrindControl(flag: string, pid: number, url: string): Promise<void> {
  // vgdb finds valgrind's pipes by a name made of the pid, $USER and $HOST: the server runs
  // with HOST=127.0.0.1 (its listen address), so vgdb must be given the same HOST or it
  // looks for other files — and callgrind_control still prints "OK." (issue 16: why no
  // instruction counts were ever taken before).
  const child = spawn('callgrind_control', [flag, String(pid)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOST: SERVER_HOST },
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    await fetch(`${url}/api/health`)
      .then((r) => r.arrayBuffer())
      .catch(() => {});
    await sleep(50);
  }
  const code = await exited;
  // It exits 0 even when it found no such run: its output says.
  if (code !== 0 || !/OK\./.test(out) || /error opening|syscall failed/.test(out))
    throw new Error(`callgrind_control ${flag} ${pid}: ${out}`);
}

async function runMode(mode: Mode, o: Options): Promise<void> {
  let db: { url: string; name: string; drop: () => Promise<void> } | null = null;
  if (mode === 'postgres') {
    if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
    const { createTestDatabase } = await import('../test/support/postgres.ts');
    db = await createTestDatabase();
  }
  if (o.callgrindDir) mkdirSync(o.callgrindDir, { recursive: true });
  if (o.profileDir) mkdirSync(o.profileDir, { recursive: true });
  if (o.syscallsDir) mkdirSync(o.syscallsDir, { recursive: true });
  const cores = os.cpus().length;
  const pinned = (node: number) => (o.pin ? ['taskset', '-c', String(node % cores)] : []);
  const extra = await Promise.all(
    Array.from({ length: o.nodes - 1 }, (_, k) =>
      spawnServer({ databaseUrl: db?.url ?? null, profileDir: o.profileDir, wrapper: pinned(k + 1) }),
    ),
  );
  const server = await spawnServer({
    databaseUrl: db?.url ?? null,
    profileDir: o.profileDir,
    wrapper: o.callgrindDir
      ? [
          'valgrind',
          '--tool=callgrind',
          `--callgrind-out-file=${o.callgrindDir}/callgrind.out.%p`,
          '--dump-instr=no',
          '--smc-check=all-non-file',
          // Startup (tsx compiling the server, the schema build) runs uninstrumented, at a
          // fraction of callgrind's slowdown: each phase switches instrumentation on and off.
          '--instr-atstart=no',
        ]
      : pinned(0),
  });
  const servers = [server, ...extra];
  // Nodes on the same log that hold no clients: what following the log alone costs a node.
  const followers = await Promise.all(
    Array.from({ length: o.followers }, (_, k) =>
      spawnServer({ databaseUrl: db?.url ?? null, profileDir: o.profileDir, wrapper: pinned(o.nodes + k) }),
    ),
  );
  const nodeOf = (i: number) => servers[i % servers.length]!;
  const https = servers.map((s) => new HttpSession(s.port, o.concurrency));
  const sockets: FeedSocket[] = [];
  try {
    // Identities and their feed sockets.
    const ids: { address: string; token: string }[] = [];
    for (let i = 0; i < o.clients; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, o.clients - i) }, (_, k) =>
          register(nodeOf(i + k).url, `Cost ${i + k}`),
        ),
      );
      ids.push(...batch.map((b) => ({ address: b.address, token: b.token })));
    }
    const pending = new Map<string, { from: number; to: number; sent: number; done: () => void }>();
    let latencies: number[] = [];
    /** By whether sender and recipient hold their sockets on the same node. */
    let byRoute = { same: [] as number[], cross: [] as number[] };
    let misrouted = 0;
    for (let i = 0; i < o.clients; i += 50) {
      const errors = await Promise.all(
        Array.from({ length: Math.min(50, o.clients - i) }, (_, k) =>
          openInto(sockets, i + k, {
            url: nodeOf(i + k).wsUrl,
            token: ids[i + k]!.token,
            feed: FEED,
            timeoutMs: 300_000,
            onItem: (item, at) => {
              if (item?.__typename !== 'MessageAdded' || item.message.from === ids[i + k]!.address) return;
              const p = pending.get(item.message.id);
              if (!p) return;
              if (p.to !== i + k) misrouted++;
              pending.delete(item.message.id);
              latencies.push(at - p.sent);
              const route = p.from % servers.length === p.to % servers.length ? 'same' : 'cross';
              byRoute[route].push(at - p.sent);
              p.done();
            },
          }),
        ),
      );
      const failed = errors.filter((e) => e !== null);
      if (failed.length > 0) throw new Error(`bench cost: sockets failed: ${failed.slice(0, 3)}`);
    }
    // Give the subscriptions time to be set up on the server (no ack for a subscribe).
    await sleep(o.callgrindDir ? 20_000 : 1000);

    const phase = async (transport: Transport, n: number) => {
      let next = 0;
      let failures = 0;
      const delivered: Promise<void>[] = [];
      await Promise.all(
        Array.from({ length: o.concurrency }, async () => {
          while (next < n) {
            next++;
            const from = Math.floor(Math.random() * o.clients);
            let to = Math.floor(Math.random() * (o.clients - 1));
            if (to >= from) to++;
            const id = randomUUID();
            delivered.push(
              new Promise<void>((done) => pending.set(id, { from, to, sent: performance.now(), done })),
            );
            const input = { id, to: ids[to]!.address, body: `cost ${next}` };
            try {
              if (transport === 'http')
                await https[from % servers.length]!.post(ids[from]!.token, SEND, { input });
              else await sockets[from]!.request(SEND, { input });
            } catch {
              failures++;
              pending.get(id)?.done();
              pending.delete(id);
            }
          }
        }),
      );
      // A timer left running would keep the bench alive for its whole length after the run
      // (10 minutes under callgrind: the "hang" seen before at the end of a run).
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), o.callgrindDir ? 600_000 : 60_000);
      });
      const outcome = await Promise.race([Promise.all(delivered), timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') throw new Error(`bench cost: ${pending.size} messages not delivered`);
      return failures;
    };

    // Warm-up (not measured): JIT, pools, keep-alive sockets, caches.
    for (const t of o.transports) await phase(t, o.warmup);
    for (const s of servers) checkAlive(s);

    for (const transport of o.transports) {
      const dumps = o.callgrindDir ? new Set(readdirSync(o.callgrindDir)) : null;
      if (o.callgrindDir) {
        await callgrindControl('--instr=on', server.pid, server.url);
        await callgrindControl('--zero', server.pid, server.url);
      }
      const strace = o.syscallsDir
        ? await countSyscalls(
            server.pid,
            path.join(o.syscallsDir, `strace-${mode}-${transport}-${server.pid}.txt`),
          )
        : null;
      const head0 = db ? await logHead(db.url) : 0;
      const cpu0 = servers.map((s) => cpuSeconds(s.pid));
      const followerCpu0 = followers.map((s) => cpuSeconds(s.pid));
      const sys0 = servers.map((s) => systemCpuSeconds(s.pid));
      latencies = [];
      byRoute = { same: [], cross: [] };
      const pg0 = db ? postgresCpu(db.name) : null;
      const started = performance.now();
      const startUs = process.hrtime.bigint() / 1000n;
      const failures = await phase(transport, o.messages);
      const wallS = (performance.now() - started) / 1000;
      const endUs = process.hrtime.bigint() / 1000n;
      const cpuNodes = servers.map((s, n) => cpuSeconds(s.pid) - cpu0[n]!);
      const followerCpu = followers.map((s, n) => cpuSeconds(s.pid) - followerCpu0[n]!);
      const cpuS = cpuNodes.reduce((a, b) => a + b, 0);
      const sysS = servers.reduce((sum, s, n) => sum + systemCpuSeconds(s.pid) - sys0[n]!, 0);
      const quantiles = (values: number[]) => {
        const sorted = [...values].sort((a, b) => a - b);
        const at = (q: number) =>
          round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0, 1);
        return [at(0.5), at(0.9), at(0.99)];
      };
      const pgS = db ? postgresCpuDelta(pg0!, postgresCpu(db.name)) : null;
      const syscalls = strace ? await strace.stop() : null;
      const commits = db ? await commitsAfter(db.url, head0) : null;
      let instructions: Instructions | null = null;
      if (o.callgrindDir) {
        await callgrindControl('--dump', server.pid, server.url);
        await callgrindControl('--instr=off', server.pid, server.url);
        await sleep(2000);
        instructions = dumpedInstructions(o.callgrindDir, server.pid, dumps!);
      }
      for (const s of [...servers, ...followers]) checkAlive(s);
      const delivered = o.messages - failures;
      emit({
        metric: 'cost',
        mode,
        transport,
        clients: o.clients,
        messages: o.messages,
        concurrency: o.concurrency,
        nodes: servers.length,
        failures,
        misrouted,
        wall_s: round(wallS, 2),
        server_cpu_s: round(cpuS, 3),
        server_cpu_ms_per_msg: round((cpuS * 1000) / delivered, 4),
        // Of it, the kernel's work for the server (stime): system calls, and on loopback the
        // receiving side of what the server writes.
        server_kernel_cpu_ms_per_msg: round((sysS * 1000) / delivered, 4),
        server_cpu_s_by_node: cpuNodes.map((c) => round(c, 3)),
        // Not in server_cpu_ms_per_msg: each follower's CPU per message of the phase.
        follower_cpu_ms_per_msg: followerCpu.map((c) => round((c * 1000) / delivered, 4)),
        latency_ms_p50_p90_p99: quantiles(latencies),
        latency_ms_same_node: servers.length > 1 ? quantiles(byRoute.same) : null,
        latency_ms_cross_node: servers.length > 1 ? quantiles(byRoute.cross) : null,
        pinned: o.pin,
        postgres_cpu_ms_per_msg: pgS === null ? null : round((pgS * 1000) / delivered, 4),
        // Group commits in the phase, and events per commit (each message is one event).
        commits: commits?.commits ?? null,
        events_per_commit: commits ? round(commits.events / Math.max(1, commits.commits), 2) : null,
        instructions_per_msg: instructions === null ? null : Math.round(instructions.total / delivered),
        // Of it: V8 compiling (a warm-up's queued optimizations land in the phase under
        // valgrind, which runs the compiler threads in turn with the main one) and collecting.
        compiler_instructions_per_msg: instructions && Math.round(instructions.compiler / delivered),
        gc_instructions_per_msg: instructions && Math.round(instructions.gc / delivered),
        instructions_per_msg_without_compiler:
          instructions && Math.round((instructions.total - instructions.compiler) / delivered),
        // The first node's, by call: under strace (CPU figures of this run are not comparable).
        syscalls_per_msg: syscalls
          ? Object.fromEntries(Object.entries(syscalls).map(([k, v]) => [k, round(v / delivered, 2)]))
          : null,
        under_callgrind: o.callgrindDir !== null,
        // CLOCK_MONOTONIC µs, the clock of V8's CPU profile timestamps: the phase's samples.
        profile_window_us: o.profileDir ? [Number(startUs), Number(endUs)] : null,
        load_avg_1m: round(os.loadavg()[0]!, 2),
      });
    }
  } finally {
    for (const h of https) h.close();
    for (const s of sockets) s?.terminate();
    await Promise.all([...servers, ...followers].map((s) => stopServer(s)));
    await db?.drop();
  }
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  emit({ ...machine(), date: new Date().toISOString(), load_avg_1m: round(os.loadavg()[0]!, 2) });
  for (const mode of o.modes) await runMode(mode, o);
}
