import pg from 'pg';

export interface ListenOptions {
  connectionString: string;
  /** Shows in pg_stat_activity, so operators (and tests) can tell this connection apart. */
  applicationName: string;
  channels: string[];
  onNotification: (channel: string, payload: string | undefined) => void;
  /**
   * Called after every reconnection (not the first connection): notifications sent while
   * the connection was down are lost, so whoever depends on them should catch up.
   */
  onReconnected?: () => void;
  onError: (error: unknown) => void;
  /** Longest wait between reconnection attempts (ms). */
  maxDelayMs?: number;
}

/**
 * One long-lived LISTEN connection that survives the server going away: a lost connection
 * (restart, crash, pg_terminate_backend, network) is reported, then re-made with capped
 * exponential backoff and every channel listened to again. Events of a connection that is
 * no longer the current one are ignored, so an old client can never tear down a new one.
 */
export class ListenConnection {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private connects = 0;

  constructor(private readonly options: ListenOptions) {}

  /** Makes the first connection; rejects if it cannot (the caller decides whether to retry). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** True while a LISTEN connection is up. */
  get connected(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    // From the start: an 'error' without a listener would end the process.
    client.on('error', (error) => {
      if (this.client !== client) return;
      this.options.onError(error);
      this.lost(client);
    });
    client.on('end', () => {
      if (this.client === client) this.lost(client);
    });
    client.on('notification', (msg) => {
      if (this.client === client) this.options.onNotification(msg.channel, msg.payload);
    });
    try {
      await client.connect();
      for (const channel of this.options.channels)
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      client.end().catch(() => {});
      throw error;
    }
    if (this.stopped) {
      // stop() ran while we were connecting: do not leave a connection behind.
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.attempt = 0;
    if (this.connects++ > 0) this.options.onReconnected?.();
  }

  private lost(client: pg.Client): void {
    this.client = null;
    client.end().catch(() => {});
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = Math.min(this.options.maxDelayMs ?? 5000, 100 * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.stopped) return;
      this.connect().catch((error) => {
        this.options.onError(error);
        this.schedule();
      });
    }, delay);
    this.retryTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => {});
  }
}

/**
 * The log's commit announcements (`NOTIFY cv_events, '<position>'` from every node): calls
 * `onPosition` for each, and `onPosition()` (no position: "read to the end") after a
 * reconnection, since announcements sent meanwhile are lost.
 */
export class CommitListener {
  private readonly connection: ListenConnection;

  constructor(
    connectionString: string,
    onPosition: (position?: number) => void,
    onError: (error: unknown) => void,
  ) {
    this.connection = new ListenConnection({
      connectionString,
      applicationName: 'callvault-listener',
      channels: ['cv_events'],
      onNotification: (_channel, payload) => {
        const position = Number(payload);
        onPosition(Number.isSafeInteger(position) ? position : undefined);
      },
      onReconnected: () => onPosition(),
      onError,
    });
  }

  start(): Promise<void> {
    return this.connection.start();
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  stop(): Promise<void> {
    return this.connection.stop();
  }
}
