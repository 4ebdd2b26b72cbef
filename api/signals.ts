import pg from 'pg';

/** An ephemeral signal for one identity: never in the log, lost if nobody listens. */
export interface Signal {
  kind: 'typing';
  to: string;
  from: string;
  at: number;
}

/**
 * Pub/sub for ephemeral signals (typing indicators). In memory within one process; with
 * PostgreSQL, NOTIFY on `cv_signals` so that every node hears it and hands it to its own
 * sockets. Delivery is best-effort by design.
 */
export interface SignalBus {
  publish(signal: Signal): Promise<void>;
  /** Listens for signals to `address`; returns the function that stops listening. */
  listen(address: string, onSignal: (s: Signal) => void): () => void;
  close(): Promise<void>;
}

class LocalListeners {
  private readonly byAddress = new Map<string, Set<(s: Signal) => void>>();

  listen(address: string, fn: (s: Signal) => void): () => void {
    let set = this.byAddress.get(address);
    if (!set) {
      set = new Set();
      this.byAddress.set(address, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.byAddress.delete(address);
    };
  }

  deliver(signal: Signal): void {
    for (const fn of this.byAddress.get(signal.to) ?? []) fn(signal);
  }
}

export class InMemorySignalBus implements SignalBus {
  private readonly local = new LocalListeners();

  async publish(signal: Signal): Promise<void> {
    this.local.deliver(signal);
  }

  listen(address: string, onSignal: (s: Signal) => void): () => void {
    return this.local.listen(address, onSignal);
  }

  async close(): Promise<void> {}
}

export class PostgresSignalBus implements SignalBus {
  private readonly local = new LocalListeners();
  private client: pg.Client | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly onError: (e: unknown) => void,
  ) {}

  static async open(
    pool: pg.Pool,
    connectionString: string,
    onError: (e: unknown) => void,
  ): Promise<PostgresSignalBus> {
    const bus = new PostgresSignalBus(pool, onError);
    const client = new pg.Client({ connectionString, application_name: 'callvault-signals' });
    client.on('notification', (msg) => {
      try {
        bus.local.deliver(JSON.parse(msg.payload ?? '') as Signal);
      } catch (error) {
        onError(error);
      }
    });
    client.on('error', onError);
    await client.connect();
    await client.query('LISTEN cv_signals');
    bus.client = client;
    return bus;
  }

  async publish(signal: Signal): Promise<void> {
    await this.pool.query("SELECT pg_notify('cv_signals', $1)", [JSON.stringify(signal)]);
  }

  listen(address: string, onSignal: (s: Signal) => void): () => void {
    return this.local.listen(address, onSignal);
  }

  async close(): Promise<void> {
    await this.client?.end().catch(this.onError);
    this.client = null;
  }
}
