import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { readError } from '../../events/store/postgres/failures.ts';

/** This node's live feed subscribers (the FeedHub), as presence needs them. */
export interface LocalFeeds {
  hasSubscribers(address: string): boolean;
  onPresence(listener: (address: string, online: boolean) => void): () => void;
}

/**
 * Whether an identity has a live feed connection on any node: then it is told by its feed,
 * and no push is sent. Each node knows its own sockets; what other nodes know is shared.
 */
export interface Presence {
  isOnline(address: string): Promise<boolean>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** One process: the local feeds are all there is. */
export class LocalPresence implements Presence {
  constructor(private readonly feeds: LocalFeeds) {}
  async isOnline(address: string): Promise<boolean> {
    return this.feeds.hasSubscribers(address);
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

/** How often a node says it is alive; rows of a node silent for 3 beats are ignored. */
const HEARTBEAT_MS = 10_000;

/**
 * Presence across nodes in PostgreSQL: a row (node, address) while the node has a feed open
 * for the address, written when its first feed opens and deleted when its last one closes;
 * a heartbeat row per node, so a node that died (and could not delete its rows) stops
 * counting after 30 s. The writes are per identity going online/offline, not per message.
 * If the database is unreachable, an identity counts as online only by the local feeds.
 */
export class PostgresPresence implements Presence {
  readonly nodeId = randomUUID();
  private detach: (() => void) | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  /** Writes in the order the feeds opened and closed. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly feeds: LocalFeeds,
    private readonly onError: (e: unknown) => void,
  ) {}

  private async query(sql: string, params: unknown[]) {
    try {
      return await this.pool.query(sql, params);
    } catch (error) {
      throw readError(error);
    }
  }

  private beat(): Promise<unknown> {
    return this.query(
      `INSERT INTO cv_push_nodes (node_id, seen_at) VALUES ($1, now())
       ON CONFLICT (node_id) DO UPDATE SET seen_at = now()`,
      [this.nodeId],
    );
  }

  async start(): Promise<void> {
    await this.beat();
    this.detach = this.feeds.onPresence((address, online) => {
      const sql = online
        ? 'INSERT INTO cv_push_presence (node_id, address) VALUES ($1, $2) ON CONFLICT DO NOTHING'
        : 'DELETE FROM cv_push_presence WHERE node_id = $1 AND address = $2';
      this.chain = this.chain.then(() =>
        this.query(sql, [this.nodeId, address]).then(() => {}, this.onError),
      );
    });
    this.heartbeat = setInterval(() => {
      this.beat()
        .then(() =>
          // Rows of nodes gone for good (5 minutes without a beat).
          this.query(
            `DELETE FROM cv_push_presence WHERE node_id IN
               (SELECT node_id FROM cv_push_nodes WHERE seen_at < now() - interval '5 minutes')`,
            [],
          ),
        )
        .catch(this.onError);
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async isOnline(address: string): Promise<boolean> {
    if (this.feeds.hasSubscribers(address)) return true;
    try {
      const r = await this.query(
        `SELECT 1 FROM cv_push_presence p JOIN cv_push_nodes n USING (node_id)
         WHERE p.address = $1 AND p.node_id <> $2 AND n.seen_at > now() - ($3 * interval '1 millisecond')
         LIMIT 1`,
        [address, this.nodeId, 3 * HEARTBEAT_MS],
      );
      return r.rows.length > 0;
    } catch (error) {
      this.onError(error);
      return false;
    }
  }

  async stop(): Promise<void> {
    this.detach?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.chain;
    await this.query('DELETE FROM cv_push_presence WHERE node_id = $1', [this.nodeId]).catch(this.onError);
    await this.query('DELETE FROM cv_push_nodes WHERE node_id = $1', [this.nodeId]).catch(this.onError);
  }
}
