/**
 * Web Push benchmark: `npm run bench -- push [--messages N] [--recipients R] [--rounds K] [--sink]`.
 *
 * One node (in this process, demo mode, its ephemeral VAPID pair) and the fake push service
 * of the tests (test/support/push-service.ts: it verifies every VAPID JWT and decrypts every
 * payload, so it costs about what the sender does) on loopback, in a child process of its own
 * (bench/push-service-process.ts): its CPU is not charged to the node's event loop, but both
 * share the machine's cores. `--sink`: a trivial 201-answering HTTP sink in the child instead
 * (nothing verified or decrypted), to tell the service's CPU apart from the sender's.
 *
 * 1. Throughput: R offline recipients with one device each; N messages are sent (8 at a time
 *    over HTTP) round-robin to them; pushes/s = N / (time from the first send to the last
 *    push received). Each push is a real request: ES256 JWT, aes128gcm, HTTP to the service.
 * 2. Added latency: sequential `sendMessage` round-trips to a recipient without a push
 *    subscription (push off for them: the reactor only looks) and to one with a device
 *    (push on: every message becomes a push), alternating per round; medians of the rounds,
 *    and the CPU time of the node's main thread per send (Linux schedstat).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gql, register, send, type TestIdentity } from '../test/support/client.ts';
import { startServer } from '../test/support/server.ts';
import { emitter, machine, median, percentile, round } from './measure.ts';
import { PushServiceProcess } from './push-service-process.ts';

const emit = emitter('push');
const REGISTER_PUSH = `mutation($e: String!, $p: String!, $a: String!) {
  registerPush(endpoint: $e, p256dh: $p, auth: $a) { endpoint }
}`;

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** CPU time the calling thread has run, in ms (Linux: /proc/thread-self/schedstat, in ns). */
function mainThreadCpuMs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
}

export async function run(args: string[]): Promise<void> {
  const messages = arg(args, 'messages', 2000);
  const recipients = arg(args, 'recipients', 50);
  const rounds = arg(args, 'rounds', 5);
  emit(machine());
  const sinkOnly = args.includes('--sink');
  const service = await PushServiceProcess.start({ sink: sinkOnly });
  const s = await startServer('memory', {
    MESSAGE_RATE_BURST: '1000000',
    MESSAGE_RATE_PER_MINUTE: '1000000',
    PUSH_QUEUE_SIZE: '100000',
  });
  try {
    const ada = await register(s.url, 'Ada');
    const subscribeDevice = async (who: TestIdentity) => {
      const d = await service.device();
      const r = await gql(s.url, REGISTER_PUSH, { e: d.endpoint, p: d.p256dh, a: d.auth }, who.token);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    };
    const people: TestIdentity[] = [];
    for (let i = 0; i < recipients; i++) {
      const p = await register(s.url, `R${i}`);
      await subscribeDevice(p);
      people.push(p);
    }

    // 1. Throughput.
    const before = (await service.count()).requests;
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < messages) {
          const i = next++;
          await send(s.url, ada, people[i % recipients]!.address, `m${i}`);
        }
      }),
    );
    const sentMs = performance.now() - started;
    let received = 0;
    let refused = 0;
    for (;;) {
      const c = await service.count();
      received = c.requests - before;
      refused = c.refusals;
      if (received >= messages || performance.now() - started > 120_000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const pushedMs = performance.now() - started;
    emit({
      throughput: true,
      service: sinkOnly ? 'sink' : 'fake-push-service',
      messages,
      recipients,
      pushes: received,
      refused,
      send_rate_per_s: round(messages / (sentMs / 1000)),
      pushes_per_s: round(received / (pushedMs / 1000)),
    });

    // 2. sendMessage latency, push off vs on for the recipient.
    const off = await register(s.url, 'NoDevice');
    const on = await register(s.url, 'WithDevice');
    await subscribeDevice(on);
    const beforeLatency = (await service.count()).requests;
    const perRound = Math.max(50, Math.floor(messages / 10));
    const times = { off: [] as number[], on: [] as number[] };
    const medians = { off: [] as number[], on: [] as number[] };
    // CPU time of the node's main thread per send (Linux schedstat, ns; the bench's own HTTP
    // client runs on that thread too, alike for both): what pushes made on the main thread add
    // to every request it serves, and unlike wall time not inflated by a loaded machine.
    const cpu = { off: [] as number[], on: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      for (const kind of (r % 2 ? ['on', 'off'] : ['off', 'on']) as ('off' | 'on')[]) {
        const to = kind === 'on' ? on : off;
        const round_: number[] = [];
        const cpu0 = mainThreadCpuMs();
        for (let i = 0; i < perRound; i++) {
          const t0 = performance.now();
          await send(s.url, ada, to.address, `latency ${i}`);
          round_.push(performance.now() - t0);
        }
        cpu[kind].push((mainThreadCpuMs() - cpu0) / perRound);
        times[kind].push(...round_);
        medians[kind].push(median(round_));
      }
    }
    const line = (kind: 'off' | 'on') => {
      const sorted = [...times[kind]].sort((a, b) => a - b);
      return {
        median_ms: round(median(medians[kind]), 3),
        p95_ms: round(percentile(sorted, 95), 3),
        main_thread_cpu_ms_per_send: round(median(cpu[kind]), 3),
      };
    };
    // Every message to the recipient with a device became a push (the "on" side really pushed).
    let pushed = 0;
    const expected = rounds * perRound;
    const waitFrom = performance.now();
    while (pushed < expected && performance.now() - waitFrom < 60_000) {
      pushed = (await service.count()).requests - beforeLatency;
      if (pushed < expected) await new Promise((r) => setTimeout(r, 20));
    }
    const a = line('off');
    const b = line('on');
    emit({
      latency: true,
      service: sinkOnly ? 'sink' : 'fake-push-service',
      rounds,
      per_round: perRound,
      push_off: a,
      push_on: b,
      on_over_off: round(b.median_ms / a.median_ms, 3),
      pushes_received_on: pushed,
    });
  } finally {
    await s.close();
    await service.close();
  }
}
