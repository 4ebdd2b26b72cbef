import type { PushKeys } from './keys.ts';
import { SendPool } from './send-pool.ts';

/** One device to notify. */
export interface PushTarget {
  address: string;
  sessionId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** One notification for one device. */
export interface PushJob {
  target: PushTarget;
  payload: string;
  ttlSeconds: number;
  urgency: 'high' | 'normal';
  topic: string;
  /** No attempt starts after this (ms since the epoch): the notification is stale by then. */
  deadline: number;
}

/** What happened to notifications so far (served on /metrics). */
export interface PushCounters {
  sent: number;
  failed: number;
  removed: number;
  retried: number;
  dropped: number;
}

export interface PushSenderOptions {
  keys: PushKeys;
  timeoutMs: number;
  queueSize: number;
  concurrency: number;
  /** Worker threads making the requests (encryption, VAPID, HTTP): see send-pool.ts. */
  workers: number;
  /** How long past `timeoutMs` a worker may take to answer before it counts as lost (tests). */
  answerGraceMs?: number;
  attempts: number;
  retryBaseMs: number;
  now: () => number;
  /** The push service said 404/410: the subscription is gone for good. */
  onGone: (target: PushTarget) => void;
  onError: (error: unknown, context: { endpointOrigin: string; status?: number }) => void;
}

/** Longest wait honoured from a Retry-After header. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; null if absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(MAX_RETRY_AFTER_MS, Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}

/**
 * Sends notifications to push services, off the request path: a bounded queue (full →
 * dropped and counted), a few requests at once, a timeout per request, and retries with
 * exponential backoff (or the service's Retry-After) on 429, 5xx and network errors. The
 * queue, retries and outcomes are here, on the main thread; the requests themselves (VAPID
 * JWT, aes128gcm encryption, HTTP — about a millisecond of CPU each) are made in worker
 * threads (send-pool.ts), so that a burst of pushes does not slow the event loop that serves
 * `sendMessage`. A request lost with a crashed worker counts as a failed attempt and is retried.
 */
export class PushSender {
  readonly counters: PushCounters = { sent: 0, failed: 0, removed: 0, retried: 0, dropped: 0 };
  private readonly queue: { job: PushJob; attempt: number }[] = [];
  private readonly retries = new Set<NodeJS.Timeout>();
  /** The worker threads (exposed for tests: `pool.crashWorker()`). */
  readonly pool: SendPool;
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: PushSenderOptions) {
    this.pool = new SendPool({
      size: options.workers,
      keys: options.keys,
      timeoutMs: options.timeoutMs,
      ...(options.answerGraceMs === undefined ? {} : { answerGraceMs: options.answerGraceMs }),
      onWorkerLost: (error) => options.onError(error, { endpointOrigin: 'worker' }),
    });
  }

  /** Queues a notification; false (and counted as dropped) when the queue is full or stopped. */
  enqueue(job: PushJob): boolean {
    if (this.stopped || this.queue.length >= this.options.queueSize) {
      this.counters.dropped++;
      return false;
    }
    this.queue.push({ job, attempt: 1 });
    this.pump();
    return true;
  }

  /** Notifications waiting, being sent, or waiting to be retried. */
  get pending(): number {
    return this.queue.length + this.active + this.retries.size;
  }

  private pump(): void {
    while (!this.stopped && this.active < this.options.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.active++;
      this.attempt(next.job, next.attempt)
        .catch((error: unknown) => this.options.onError(error, { endpointOrigin: originOf(next.job) }))
        .finally(() => {
          this.active--;
          this.pump();
          if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  private async attempt(job: PushJob, attempt: number): Promise<void> {
    const { options } = this;
    if (options.now() > job.deadline) {
      this.counters.failed++;
      return;
    }
    const { target } = job;
    const outcome = await this.pool.send({
      endpoint: target.endpoint,
      p256dh: target.p256dh,
      auth: target.auth,
      payload: job.payload,
      ttlSeconds: job.ttlSeconds,
      urgency: job.urgency,
      topic: job.topic,
    });
    const { status } = outcome;
    const retryAfter = retryAfterMs(outcome.retryAfter, options.now());
    if (outcome.error) options.onError(new Error(outcome.error), { endpointOrigin: originOf(job) });
    if (outcome.invalid) {
      this.counters.failed++;
      return;
    }
    if (status >= 200 && status < 300) {
      this.counters.sent++;
      return;
    }
    if (status === 404 || status === 410) {
      this.counters.removed++;
      options.onGone(job.target);
      return;
    }
    const transient = status === 0 || status === 429 || status >= 500;
    if (status !== 0)
      options.onError(new Error(`push service answered ${status}`), {
        endpointOrigin: originOf(job),
        status,
      });
    if (!transient || attempt >= options.attempts || this.stopped) {
      this.counters.failed++;
      return;
    }
    const delay = retryAfter ?? options.retryBaseMs * 2 ** (attempt - 1);
    if (options.now() + delay > job.deadline) {
      this.counters.failed++;
      return;
    }
    this.counters.retried++;
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      if (this.stopped) return;
      this.queue.unshift({ job, attempt: attempt + 1 });
      this.pump();
    }, delay);
    timer.unref();
    this.retries.add(timer);
  }

  /** Resolves true once nothing is pending, or false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Stops taking and retrying notifications and terminates the workers: requests still under
   * way are abandoned (counted as failed).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
    this.counters.dropped += this.queue.length;
    this.queue.length = 0;
    await this.pool.close();
  }
}

function originOf(job: PushJob): string {
  try {
    return new URL(job.target.endpoint).origin;
  } catch {
    return 'invalid';
  }
}
