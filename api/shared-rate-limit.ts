import { createHash } from 'node:crypto';
import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

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
