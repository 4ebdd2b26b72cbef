import { Worker } from 'node:worker_threads';
import type { PushKeys } from './keys.ts';
import type { PushOutcome, PushRequestJob } from './request.ts';

/**
 * Main thread → push worker. Test hooks: `exit`, the worker dies as a crash would; `deaf`, it
 * stays alive but never answers again (as a stuck one would).
 */
export type WorkerRequest =
  | { type: 'send'; jobs: { id: number; job: PushRequestJob }[] }
  | { type: 'exit' }
  | { type: 'deaf' };
/** Push worker → main thread: how the request `id` ended. */
export interface WorkerReply {
  id: number;
  outcome: PushOutcome;
}

/** The worker module beside this one, with this module's extension: `.ts` under tsx, `.js` in dist/. */
const WORKER_URL = new URL(
  `./send-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/**
 * Under tsx (tests, `npm run dev`) Node 20 gives a worker thread the parent's `--import tsx`
 * but tsx only registers its module hooks on the main thread there, so the worker registers
 * them itself when a plain import of the `.ts` module fails; the built `.js` module (dist/,
 * `npm start`) is imported directly and tsx is never loaded.
 */
const WORKER_SOURCE = WORKER_URL.href.endsWith('.ts')
  ? `import(${JSON.stringify(WORKER_URL.href)}).catch(async (error) => {
      if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
      (await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})).register();
      await import(${JSON.stringify(`${WORKER_URL.href}?tsx`)}); // a failed import stays cached
    });`
  : null;

interface Slot {
  worker: Worker;
  /** Requests handed to this worker, not yet answered. */
  inFlight: Map<number, (outcome: PushOutcome) => void>;
  /** Requests to hand over at the end of this event-loop turn. */
  outbox: { id: number; job: PushRequestJob }[];
}

export interface SendPoolOptions {
  /** Worker threads (each started on first use). */
  size: number;
  keys: PushKeys;
  timeoutMs: number;
  /** How long past `timeoutMs` a worker may take to answer before the main thread gives up (5 s). */
  answerGraceMs?: number;
  /** A worker died (not by `close`): its requests are answered with status 0 and it is replaced. */
  onWorkerLost: (error: Error) => void;
}

/**
 * Worker threads that make push requests (send-worker.ts). A request goes to the worker with
 * the fewest under way. A worker that dies answers everything it had with status 0 (no
 * answer: the sender retries it like a network error) and is replaced on the next request.
 * Workers keep the process alive only while they have requests under way.
 */
export class SendPool {
  private readonly slots: (Slot | null)[];
  private nextId = 0;
  private flushing: NodeJS.Immediate | null = null;
  private closed = false;
  /** Workers that died and were (or will be) replaced. */
  restarts = 0;

  constructor(private readonly options: SendPoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.size) }, () => null);
  }

  /** Makes one push request in a worker; never rejects. */
  send(job: PushRequestJob): Promise<PushOutcome> {
    if (this.closed) return Promise.resolve({ status: 0, retryAfter: null, error: 'push sender stopped' });
    let index = 0;
    for (let i = 1; i < this.slots.length; i++)
      if ((this.slots[i]?.inFlight.size ?? 0) < (this.slots[index]?.inFlight.size ?? 0)) index = i;
    const slot = this.slots[index] ?? this.spawn(index);
    const id = this.nextId++;
    return new Promise((resolve) => {
      // The worker times its request out itself; this deadline on the main thread answers
      // for a worker that is stuck (or lost its reply), so a request never holds the
      // process alive or its queue slot for ever.
      const deadline = setTimeout(
        () => {
          if (!slot.inFlight.delete(id)) return;
          if (slot.inFlight.size === 0) slot.worker.unref();
          resolve({ status: 0, retryAfter: null, error: 'push worker did not answer in time' });
        },
        this.options.timeoutMs + (this.options.answerGraceMs ?? 5_000),
      );
      deadline.unref();
      slot.inFlight.set(id, (outcome) => {
        clearTimeout(deadline);
        resolve(outcome);
      });
      if (slot.inFlight.size === 1) slot.worker.ref();
      slot.outbox.push({ id, job });
      this.flushSoon();
    });
  }

  /**
   * Hands the turn's requests over in one message per worker, after this event-loop turn:
   * waking a worker can hand it the CPU at once, and the turn that made the push is usually
   * one still answering a request (`sendMessage`), whose answer should go out first.
   */
  private flushSoon(): void {
    if (this.flushing) return;
    this.flushing = setImmediate(() => {
      this.flushing = null;
      for (const slot of this.slots) {
        if (!slot || slot.outbox.length === 0) continue;
        slot.worker.postMessage({ type: 'send', jobs: slot.outbox.splice(0) } satisfies WorkerRequest);
      }
    });
  }

  /** Workers running now. */
  get running(): number {
    return this.slots.filter((s) => s !== null).length;
  }

  /** Test hook: the first running worker exits as if it crashed. False if none runs. */
  crashWorker(): boolean {
    const slot = this.slots.find((s) => s !== null);
    slot?.worker.postMessage({ type: 'exit' } satisfies WorkerRequest);
    return slot !== undefined;
  }

  /** Test hook: the first running worker stops answering (a stuck worker). False if none runs. */
  deafenWorker(): boolean {
    const slot = this.slots.find((s) => s !== null);
    slot?.worker.postMessage({ type: 'deaf' } satisfies WorkerRequest);
    return slot !== undefined;
  }

  /** Terminates every worker; requests under way are answered with status 0. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s?.worker.terminate()));
  }

  private spawn(index: number): Slot {
    const worker = new Worker(WORKER_SOURCE ?? WORKER_URL, {
      eval: WORKER_SOURCE !== null,
      workerData: { keys: this.options.keys, timeoutMs: this.options.timeoutMs },
      name: 'push-sender',
    });
    const slot: Slot = { worker, inFlight: new Map(), outbox: [] };
    this.slots[index] = slot;
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const resolve = slot.inFlight.get(reply.id);
      if (!resolve) return;
      slot.inFlight.delete(reply.id);
      if (slot.inFlight.size === 0) worker.unref();
      resolve(reply.outcome);
    });
    let failure: Error | null = null;
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (this.slots[index] === slot) this.slots[index] = null;
      const lost = [...slot.inFlight.values()];
      slot.inFlight.clear();
      slot.outbox.length = 0;
      let why = 'push sender stopped';
      if (!this.closed) {
        why = `push worker exited (code ${code})${failure ? `: ${failure.message}` : ''}`;
        this.restarts++;
        this.options.onWorkerLost(new Error(why));
      }
      for (const resolve of lost) resolve({ status: 0, retryAfter: null, error: why });
    });
    return slot;
  }
}
