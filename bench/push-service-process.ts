/**
 * The tests' fake push service (test/support/push-service.ts) in a process of its own, for
 * bench/push.ts: its VAPID verification and payload decryption then run on their own event
 * loop instead of the node's. With `sink: true` it is instead a trivial sink that answers 201
 * to every POST without verifying or decrypting anything (to tell the service's CPU apart from
 * the sender's). Driven over the IPC channel of `fork`: `device` makes a device (endpoint and
 * keys), `count` says how many requests arrived (and how many were refused), `close` stops it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type FakeDevice, FakePushService } from '../test/support/push-service.ts';

type Request = { id: number; op: 'device' | 'count' | 'close' };
type Reply = { id: number; result: unknown };

/** The parent's handle on the child process. */
export class PushServiceProcess {
  #next = 0;
  readonly #pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: Reply) => {
      this.#pending.get(m.id)?.(m.result);
      this.#pending.delete(m.id);
    });
  }

  static async start(options: { sink?: boolean } = {}): Promise<PushServiceProcess> {
    const child = fork(fileURLToPath(import.meta.url), ['--child', ...(options.sink ? ['--sink'] : [])], {
      execArgv: ['--import', 'tsx'],
      // A session of its own: with the kernel's autogroup scheduling (on here) CPU is shared
      // fairly between sessions, so the service's CPU is not taken from the node's share, as
      // with a real push service on another machine.
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [ready] = (await once(child, 'message')) as [{ ready: boolean }];
    if (!ready.ready) throw new Error('push service process did not start');
    return new PushServiceProcess(child);
  }

  /** The child's pid (to tell its CPU time apart). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  #call<T>(op: Request['op']): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve) => {
      this.#pending.set(id, resolve as (r: unknown) => void);
      this.child.send({ id, op } satisfies Request);
    });
  }

  device(): Promise<FakeDevice> {
    return this.#call('device');
  }
  count(): Promise<{ requests: number; refusals: number }> {
    return this.#call('count');
  }
  async close(): Promise<void> {
    const exited = once(this.child, 'exit');
    await this.#call('close');
    await exited;
  }
}

/** The service's interface as the child uses it: the fake push service or the sink. */
interface Service {
  device(): FakeDevice;
  counts(): { requests: number; refusals: number };
  close(): Promise<void>;
}

async function fakeService(): Promise<Service> {
  const service = await FakePushService.start();
  return {
    device: () => service.device(),
    counts: () => ({ requests: service.requests.length, refusals: service.refusals.length }),
    close: () => service.close(),
  };
}

/** Answers 201 to every POST, reading the body and nothing else. */
async function sink(): Promise<Service> {
  let requests = 0;
  let devices = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(201).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    device: () => {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const id = `sink-${devices++}`;
      return {
        id,
        endpoint: `http://127.0.0.1:${port}/push/${id}`,
        p256dh: ecdh.getPublicKey().toString('base64url'),
        auth: randomBytes(16).toString('base64url'),
      };
    },
    counts: () => ({ requests, refusals: 0 }),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

if (process.argv.includes('--child') && process.send) {
  const service = process.argv.includes('--sink') ? await sink() : await fakeService();
  process.on('message', async (m: Request) => {
    const reply = (result: unknown) => process.send?.({ id: m.id, result } satisfies Reply);
    if (m.op === 'device') reply(service.device());
    else if (m.op === 'count') reply(service.counts());
    else {
      await service.close();
      reply(true);
      process.disconnect();
    }
  });
  process.on('disconnect', () => process.exit(0)); // the bench ended (or died)
  process.send({ ready: true });
}
