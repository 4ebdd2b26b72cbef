import webpush from 'web-push';
import type { PushKeys } from './keys.ts';

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
  attempts: number;
  retryBaseMs: number;
  now: () => number;
  /** The push service said 404/410: the subscription is gone for good. */
  onGone: (target: PushTarget) => void;
  onError: (error: unknown, context: { endpointOrigin: string; status?: number }) => void;
}

/** Lifetime of a VAPID JWT (at most 24 h by RFC 8292), and how long one is reused. */
const VAPID_TOKEN_SECONDS = 12 * 3600;
const VAPID_TOKEN_REUSE_MS = 3600 * 1000;

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
 * request itself (VAPID JWT, aes128gcm encryption, headers) is made by `web-push`; it is sent
 * here with `fetch` so that the timeout, Retry-After and loopback test services are ours.
 */
export class PushSender {
  readonly counters: PushCounters = { sent: 0, failed: 0, removed: 0, retried: 0, dropped: 0 };
  private readonly queue: { job: PushJob; attempt: number }[] = [];
  private readonly retries = new Set<NodeJS.Timeout>();
  /** VAPID Authorization header per push service origin. */
  private readonly tokens = new Map<string, { header: string; renewAt: number }>();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: PushSenderOptions) {}

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
    const details = webpush.generateRequestDetails(
      { endpoint: job.target.endpoint, keys: { p256dh: job.target.p256dh, auth: job.target.auth } },
      job.payload,
      {
        headers: { Authorization: this.authorization(job.target.endpoint) },
        TTL: job.ttlSeconds,
        urgency: job.urgency,
        topic: job.topic,
        contentEncoding: 'aes128gcm',
      },
    );
    let status: number;
    let retryAfter: number | null = null;
    try {
      const response = await fetch(details.endpoint, {
        method: details.method,
        headers: details.headers as Record<string, string>,
        body: details.body ? new Uint8Array(details.body) : null,
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
      });
      status = response.status;
      retryAfter = retryAfterMs(response.headers.get('retry-after'), options.now());
      await response.body?.cancel().catch(() => {});
    } catch (error) {
      options.onError(error, { endpointOrigin: originOf(job) });
      status = 0; // network error or timeout: retried like a 5xx
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

  /**
   * The VAPID `Authorization` for the endpoint's push service, reused for an hour (its JWT is
   * valid for 12): signing one per request cost more than encrypting the payload. RFC 8292
   * lets a sender reuse a token until it expires.
   */
  private authorization(endpoint: string): string {
    const audience = new URL(endpoint).origin;
    const now = this.options.now();
    const cached = this.tokens.get(audience);
    if (cached && cached.renewAt > now) return cached.header;
    const { keys } = this.options;
    const expiration = Math.floor(now / 1000) + VAPID_TOKEN_SECONDS;
    const headers = webpush.getVapidHeaders(
      audience,
      keys.subject,
      keys.publicKey,
      keys.privateKey,
      'aes128gcm',
      expiration,
    );
    const header = headers.Authorization;
    if (this.tokens.size > 1000) this.tokens.clear();
    this.tokens.set(audience, { header, renewAt: now + VAPID_TOKEN_REUSE_MS });
    return header;
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

  /** Stops taking and retrying notifications; requests under way finish on their own. */
  stop(): void {
    this.stopped = true;
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
    this.counters.dropped += this.queue.length;
    this.queue.length = 0;
  }
}

function originOf(job: PushJob): string {
  try {
    return new URL(job.target.endpoint).origin;
  } catch {
    return 'invalid';
  }
}
