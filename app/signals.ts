import type pg from 'pg';
import { readError } from '../events/store/postgres/failures.ts';
import { ListenConnection } from '../events/store/postgres/listener.ts';

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

/**
 * Signals over PostgreSQL NOTIFY: every node LISTENs on `cv_signals` through a connection
 * that is re-made (and re-LISTENed) whenever it is lost, so typing indicators come back on
 * their own after a database restart. Signals sent while it is down are lost (best-effort).
 */
export class PostgresSignalBus implements SignalBus {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly connection: ListenConnection,
    private readonly local: LocalListeners,
  ) {}

  static async open(
    pool: pg.Pool,
    connectionString: string,
    onError: (e: unknown) => void,
  ): Promise<PostgresSignalBus> {
    const local = new LocalListeners();
    const connection = new ListenConnection({
      connectionString,
      applicationName: 'callvault-signals',
      channels: ['cv_signals'],
      onNotification: (_channel, payload) => {
        try {
          local.deliver(JSON.parse(payload ?? '') as Signal);
        } catch (error) {
          onError(error);
        }
      },
      onError,
    });
    await connection.start();
    return new PostgresSignalBus(pool, connection, local);
  }

  /** True while the LISTEN connection is up (signals from other nodes reach this one). */
  get listening(): boolean {
    return this.connection.connected;
  }

  async publish(signal: Signal): Promise<void> {
    try {
      await this.pool.query("SELECT pg_notify('cv_signals', $1)", [JSON.stringify(signal)]);
    } catch (error) {
      throw readError(error);
    }
  }

  listen(address: string, onSignal: (s: Signal) => void): () => void {
    return this.local.listen(address, onSignal);
  }

  async close(): Promise<void> {
    await this.connection.stop();
  }
}
