import type pg from 'pg';

/**
 * Single-use keys with an expiry, shared by every node: sign-in challenges and call-token
 * nonces. In-memory in demo mode, a PostgreSQL table otherwise; both atomic.
 */
export interface OneTimeStore {
  /** Records a key that `consume` may take once before `expiresAt`. */
  issue(key: string, expiresAt: Date): Promise<void>;
  /** Takes an issued, unexpired key; true exactly once per issued key. */
  consume(key: string, now: Date): Promise<boolean>;
  /** Records a key the first time it is seen; false if it was seen before (replay). */
  claim(key: string, expiresAt: Date): Promise<boolean>;
  /** Deletes expired keys; returns how many. */
  sweep(now: Date): Promise<number>;
}

export class InMemoryOneTimeStore implements OneTimeStore {
  private readonly keys = new Map<string, number>();

  async issue(key: string, expiresAt: Date): Promise<void> {
    this.keys.set(key, expiresAt.getTime());
  }

  async consume(key: string, now: Date): Promise<boolean> {
    const expiresAt = this.keys.get(key);
    if (expiresAt === undefined) return false;
    this.keys.delete(key);
    return expiresAt > now.getTime();
  }

  async claim(key: string, expiresAt: Date): Promise<boolean> {
    if (this.keys.has(key)) return false;
    this.keys.set(key, expiresAt.getTime());
    return true;
  }

  async sweep(now: Date): Promise<number> {
    let n = 0;
    for (const [k, t] of this.keys) {
      if (t <= now.getTime()) {
        this.keys.delete(k);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.keys.size;
  }
}

export class PostgresOneTimeStore implements OneTimeStore {
  constructor(private readonly pool: pg.Pool) {}

  async issue(key: string, expiresAt: Date): Promise<void> {
    await this.pool.query('INSERT INTO cv_one_time (key, expires_at) VALUES ($1, $2)', [key, expiresAt]);
  }

  async consume(key: string, now: Date): Promise<boolean> {
    const { rows } = await this.pool.query<{ expires_at: Date }>(
      'DELETE FROM cv_one_time WHERE key = $1 RETURNING expires_at',
      [key],
    );
    return rows.length === 1 && rows[0]!.expires_at.getTime() > now.getTime();
  }

  async claim(key: string, expiresAt: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'INSERT INTO cv_one_time (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
      [key, expiresAt],
    );
    return rowCount === 1;
  }

  async sweep(now: Date): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM cv_one_time WHERE expires_at <= $1', [now]);
    return rowCount ?? 0;
  }
}
