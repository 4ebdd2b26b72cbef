import type pg from 'pg';
import { readError } from '../../events/store/postgres/failures.ts';

/**
 * Which log events the push reactor has handled, shared by every node: a claim per event
 * position (the node whose claim succeeds sends its notifications, so two nodes never both
 * send) and a cursor (where a restarted node resumes; claims make re-reading harmless).
 * In memory in demo mode (one process); PostgreSQL tables otherwise.
 */
export interface PushLedger {
  /** True exactly once per position, across every node. */
  claim(position: number): Promise<boolean>;
  /** The position to resume after, or null on the very first start. */
  cursor(): Promise<number | null>;
  /** Moves the shared cursor forward (never back). */
  advance(position: number): Promise<void>;
  /**
   * Deletes claims older than `before`. By time, not position: a node running behind the
   * cursor must still find the claims of events it has yet to read.
   */
  forget(before: Date): Promise<void>;
}

export class InMemoryPushLedger implements PushLedger {
  private readonly claims = new Map<number, number>();
  private position: number | null = null;

  async claim(position: number): Promise<boolean> {
    if (this.claims.has(position)) return false;
    this.claims.set(position, Date.now());
    return true;
  }
  async cursor(): Promise<number | null> {
    return this.position;
  }
  async advance(position: number): Promise<void> {
    this.position = Math.max(this.position ?? 0, position);
  }
  async forget(before: Date): Promise<void> {
    for (const [p, at] of this.claims) if (at < before.getTime()) this.claims.delete(p);
  }
}

/** The push tables: created on first start (guarded by an advisory lock for concurrent nodes). */
export async function createPushTables(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  client.on('error', () => {});
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('cv_push_tables'))");
    await client.query(`
      CREATE TABLE IF NOT EXISTS cv_push_claims (
        position bigint PRIMARY KEY, claimed_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE IF NOT EXISTS cv_push_cursor (
        id smallint PRIMARY KEY CHECK (id = 1), position bigint NOT NULL);
      CREATE TABLE IF NOT EXISTS cv_push_nodes (
        node_id text PRIMARY KEY, seen_at timestamptz NOT NULL);
      CREATE TABLE IF NOT EXISTS cv_push_presence (
        node_id text NOT NULL, address text NOT NULL, PRIMARY KEY (address, node_id));`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw readError(error);
  } finally {
    client.release();
  }
}

export class PostgresPushLedger implements PushLedger {
  constructor(private readonly pool: pg.Pool) {}

  private async query(sql: string, params: unknown[]) {
    try {
      return await this.pool.query(sql, params);
    } catch (error) {
      throw readError(error);
    }
  }

  async claim(position: number): Promise<boolean> {
    const r = await this.query('INSERT INTO cv_push_claims (position) VALUES ($1) ON CONFLICT DO NOTHING', [
      position,
    ]);
    return r.rowCount === 1;
  }
  async cursor(): Promise<number | null> {
    const r = await this.query('SELECT position FROM cv_push_cursor WHERE id = 1', []);
    return r.rows.length ? Number(r.rows[0].position) : null;
  }
  async advance(position: number): Promise<void> {
    await this.query(
      `INSERT INTO cv_push_cursor (id, position) VALUES (1, $1)
       ON CONFLICT (id) DO UPDATE SET position = GREATEST(cv_push_cursor.position, EXCLUDED.position)`,
      [position],
    );
  }
  async forget(before: Date): Promise<void> {
    await this.query('DELETE FROM cv_push_claims WHERE claimed_at < $1', [before]);
  }
}
