import { createHash } from 'node:crypto';
import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../events/shared/errors.ts';
import type { Config } from './config.ts';

/** Attempts by key (an IP, an identity), counted across every node that shares the store. */
export interface AttemptLimiter {
  /** Counts one attempt; false when the key is over its budget. */
  take(key: string): Promise<boolean>;
}

/** The table every node's limiters share (created at start when missing). */
export const RATE_LIMIT_TABLE = 'cv_rate_limits';

/**
 * `burst` attempts per window of `burst / perMinute` minutes, the time a token bucket of the
 * same burst and rate takes to refill: the budget the earlier per-node buckets gave, as a
 * fixed window a database can count atomically.
 */
function budget(burst: number, perMinute: number) {
  const points = Math.max(1, Math.floor(burst));
  return { points, duration: Math.max(1, Math.ceil((points * 60) / perMinute)) };
}

/**
 * Keys are client input (a sign-in address can be any string): long or odd ones are hashed so
 * that the store only ever sees short, plain text (its column is varchar(255), and PostgreSQL
 * refuses NUL characters).
 */
const storeKey = (key: string) =>
  /^[A-Za-z0-9.:_-]{1,64}$/.test(key) ? key : `h:${createHash('sha256').update(key).digest('base64url')}`;

class Limiter implements AttemptLimiter {
  private degraded = false;

  constructor(
    private readonly shared: RateLimiterPostgres | RateLimiterMemory,
    /** Used while the shared store fails: the same budget, counted on this node only. */
    private readonly local: RateLimiterMemory,
    private readonly onStoreError: (error: unknown) => void,
  ) {}

  async take(key: string): Promise<boolean> {
    const k = storeKey(key);
    try {
      await this.shared.consume(k);
      this.degraded = false;
      return true;
    } catch (error) {
      if (error instanceof RateLimiterRes) return false;
      // Fail safe but open: PostgreSQL trouble must not lock everyone out of signing in, nor
      // turn into INTERNAL_SERVER_ERROR; each node keeps its own count meanwhile.
      if (!this.degraded) this.onStoreError(error);
      this.degraded = true;
      return this.local
        .consume(k)
        .then(() => true)
        .catch(() => false);
    }
  }
}

/**
 * A limiter for `name` (a key prefix): shared through PostgreSQL when a pool is given, so the
 * budget holds across nodes and restarts; in memory otherwise (demo mode: one process).
 */
export async function openAttemptLimiter(options: {
  name: string;
  burst: number;
  perMinute: number;
  pool?: pg.Pool;
  onStoreError: (error: unknown) => void;
}): Promise<AttemptLimiter> {
  const { points, duration } = budget(options.burst, options.perMinute);
  const local = new RateLimiterMemory({ keyPrefix: options.name, points, duration });
  if (!options.pool) return new Limiter(local, local, options.onStoreError);
  const pool = options.pool;
  const shared = await new Promise<RateLimiterPostgres>((resolve, reject) => {
    const limiter: RateLimiterPostgres = new RateLimiterPostgres(
      {
        storeClient: pool,
        storeType: 'pool',
        tableName: RATE_LIMIT_TABLE,
        keyPrefix: options.name,
        points,
        duration,
        clearExpiredByTimeout: true,
      },
      (error?: Error) => (error ? reject(error) : resolve(limiter)),
    );
  });
  return new Limiter(shared, local, options.onStoreError);
}

/**
 * Token buckets by key (an IP, an identity): `capacity` requests at once, refilled at
 * `perSecond`. Idle full buckets are dropped so the map does not grow without bound.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; false when the key is over its rate. */
  take(key: string): boolean {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: t };
    b.tokens = Math.min(this.capacity, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.sweep();
    return true;
  }

  sweep(): void {
    const t = this.now();
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.perSecond >= this.capacity) this.buckets.delete(k);
    }
  }
}

/** Every limit the application applies, in one place (resolvers and commands take them from here). */
export interface Limits {
  /** Sign-in attempts per client IP, shared by every node. */
  authByIp: AttemptLimiter;
  /** Sign-in attempts per identity, from anywhere, shared by every node. */
  authByIdentity: AttemptLimiter;
  /** Messages per identity, per node. */
  messages: RateLimiter;
  /** Typing signals per identity, per node. */
  typing: RateLimiter;
}

/**
 * The limits for `config`. Sign-in limits live beside the log (`pool`): shared by every node,
 * kept across restarts; the others are per node, where a burst costs only this node.
 */
export async function openLimits(
  config: Pick<Config, 'authRate' | 'messageRate'>,
  store: { pool?: pg.Pool; onStoreError: (error: unknown) => void },
): Promise<Limits> {
  return {
    authByIp: await openAttemptLimiter({
      name: 'auth-ip',
      burst: config.authRate.burst,
      perMinute: config.authRate.perMinute,
      ...store,
    }),
    // Sign-ins for one identity, from anywhere: half the per-IP budget.
    authByIdentity: await openAttemptLimiter({
      name: 'auth-identity',
      burst: Math.max(1, config.authRate.burst >> 1),
      perMinute: config.authRate.perMinute / 2,
      ...store,
    }),
    messages: new RateLimiter(config.messageRate.burst, config.messageRate.perMinute / 60),
    // Typing signals: a burst of 10, then two a second per identity.
    typing: new RateLimiter(10, 2),
  };
}

/**
 * Counts one attempt at an unauthenticated entry point (challenge, register, sign-in) from
 * `ip`, and for `identity` when it names one; RATE_LIMITED when either is over its budget.
 */
export async function takeSignInAttempt(
  limits: Pick<Limits, 'authByIp' | 'authByIdentity'>,
  ip: string,
  identity?: string,
): Promise<void> {
  if (!(await limits.authByIp.take(ip)) || (identity && !(await limits.authByIdentity.take(identity)))) {
    throw new DomainError('RATE_LIMITED', 'too many attempts: wait a little and try again');
  }
}
