import webpush from 'web-push';
import type { PushKeys } from './keys.ts';

/** What one request to a push service needs (structured-clonable: it crosses to a worker). */
export interface PushRequestJob {
  endpoint: string;
  p256dh: string;
  auth: string;
  payload: string;
  ttlSeconds: number;
  urgency: 'high' | 'normal';
  topic: string;
}

/**
 * How one request ended: the push service's status, or 0 for no answer (network error,
 * timeout, or the worker that made it died), with the `Retry-After` header as sent and why
 * there was no answer.
 */
export interface PushOutcome {
  status: number;
  retryAfter: string | null;
  error?: string;
  /** The request could not be made at all (a subscription's keys unusable): never retried. */
  invalid?: boolean;
}

/** Lifetime of a VAPID JWT (at most 24 h by RFC 8292), and how long one is reused. */
const VAPID_TOKEN_SECONDS = 12 * 3600;
const VAPID_TOKEN_REUSE_MS = 3600 * 1000;

/**
 * Makes push requests: the VAPID `Authorization`, aes128gcm encryption and headers by
 * `web-push`, sent with `fetch` so that the timeout, Retry-After and loopback test services
 * are ours. CPU-heavy (an ECDH key and an encryption per request): runs in the push workers
 * (send-worker.ts), off the event loop that serves requests.
 */
export class PushRequester {
  /** VAPID Authorization header per push service origin. */
  private readonly tokens = new Map<string, { header: string; renewAt: number }>();

  constructor(
    private readonly keys: PushKeys,
    private readonly timeoutMs: number,
  ) {}

  async send(job: PushRequestJob): Promise<PushOutcome> {
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      details = webpush.generateRequestDetails(
        { endpoint: job.endpoint, keys: { p256dh: job.p256dh, auth: job.auth } },
        job.payload,
        {
          headers: { Authorization: this.authorization(job.endpoint) },
          TTL: job.ttlSeconds,
          urgency: job.urgency,
          topic: job.topic,
          contentEncoding: 'aes128gcm',
        },
      );
    } catch (error) {
      return { status: 0, retryAfter: null, error: messageOf(error), invalid: true };
    }
    try {
      const response = await fetch(details.endpoint, {
        method: details.method,
        headers: details.headers as Record<string, string>,
        body: details.body ? new Uint8Array(details.body) : null,
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
      const retryAfter = response.headers.get('retry-after');
      await response.body?.cancel().catch(() => {});
      return { status: response.status, retryAfter };
    } catch (error) {
      // Network error or timeout: retried like a 5xx.
      return { status: 0, retryAfter: null, error: messageOf(error) };
    }
  }

  /**
   * The VAPID `Authorization` for the endpoint's push service, reused for an hour (its JWT is
   * valid for 12): signing one per request cost more than encrypting the payload. RFC 8292
   * lets a sender reuse a token until it expires.
   */
  private authorization(endpoint: string): string {
    const audience = new URL(endpoint).origin;
    const now = Date.now();
    const cached = this.tokens.get(audience);
    if (cached && cached.renewAt > now) return cached.header;
    const { keys } = this;
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
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch's "fetch failed" says nothing; its cause (ECONNREFUSED, a timeout…) does.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
