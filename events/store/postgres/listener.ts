import pg from 'pg';

/**
 * Holds one LISTEN connection and calls `onPosition` for each commit announced by any node.
 * Reconnects with backoff when the connection drops, and calls `onPosition()` (no position)
 * after reconnecting, since notifications sent meanwhile are lost.
 */
export class CommitListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;

  constructor(
    private readonly connectionString: string,
    private readonly onPosition: (position?: number) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: 'callvault-listener',
    });
    client.on('notification', (msg) => {
      const position = Number(msg.payload);
      this.onPosition(Number.isSafeInteger(position) ? position : undefined);
    });
    client.on('error', (error) => {
      this.onError(error);
      this.reconnect();
    });
    client.on('end', () => this.reconnect());
    await client.connect();
    await client.query('LISTEN cv_events');
    this.client = client;
    this.attempt = 0;
  }

  private reconnect(): void {
    if (this.stopped || this.retryTimer) return;
    this.client = null;
    const delay = Math.min(5000, 100 * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.start().then(
        () => this.onPosition(),
        (error) => {
          this.onError(error);
          this.reconnect();
        },
      );
    }, delay);
    this.retryTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}
