import pg from 'pg';
import { EventLogClosedError } from '../errors.ts';
import { LiveTail } from '../tail.ts';
import type {
  AppendOptions,
  AppendResult,
  EventLog,
  EventSubscription,
  NewEvent,
  RecordedEvent,
  SubscribeOptions,
  VerifyResult,
} from '../types.ts';
import { validateAppend } from '../validation.ts';
import { verifyChain } from '../verify.ts';
import {
  appendBatch,
  BatchFailure,
  type BatchHooks,
  type PendingAppend,
  type Settlement,
} from './append-batch.ts';
import { isConnectionFailure, readError, storeError } from './failures.ts';
import { CommitListener } from './listener.ts';
import { migrate } from './migrations.ts';
import { readAll, readHead, readPositions, readStream } from './read.ts';

const rethrow = (error: unknown): never => {
  throw readError(error);
};

// bigint columns (positions) as numbers: 2^53 events is far beyond any single log.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PostgresEventLogOptions {
  connectionString: string;
  poolSize?: number;
  /** Most events one group-commit transaction takes. */
  maxBatchEvents?: number;
  /** Safety poll of the log's end in case a notification was lost (ms). */
  pollIntervalMs?: number;
  now?: () => Date;
  onError?: (error: unknown) => void;
  hooks?: BatchHooks;
  /** Longest wait for a new connection before an operation fails as unavailable (ms). */
  connectTimeoutMs?: number;
}

/** The durable log: PostgreSQL via `pg`, group commit, LISTEN/NOTIFY-woken tail. */
export class PostgresEventLog implements EventLog {
  readonly kind = 'postgres';
  readonly pool: pg.Pool;
  private readonly tail: LiveTail;
  private readonly listener: CommitListener;
  private queue: PendingAppend[] = [];
  private writing: Promise<void> | null = null;
  private closed = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly now: () => Date;
  private readonly onError: (error: unknown) => void;

  private constructor(private readonly options: PostgresEventLogOptions) {
    this.now = options.now ?? (() => new Date());
    this.onError = options.onError ?? (() => {});
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      application_name: 'callvault',
      // Fail fast rather than queue forever when the server is unreachable; keepalive finds
      // connections that died silently (a host gone, a network cut).
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      keepAlive: true,
    });
    this.pool.on('error', this.onError);
    this.tail = new LiveTail(
      { readAll: (from, limit) => this.readAll(from, limit), head: () => this.head() },
      { onError: this.onError },
    );
    this.listener = new CommitListener(options.connectionString, (p) => this.tail.notify(p), this.onError);
  }

  /** Connects, applies migrations, and starts following the log. */
  static async open(options: PostgresEventLogOptions): Promise<PostgresEventLog> {
    const log = new PostgresEventLog(options);
    try {
      await migrate(log.pool);
      await log.listener.start();
      await log.tail.start();
    } catch (error) {
      await log.close();
      throw error;
    }
    const every = options.pollIntervalMs ?? 1000;
    log.pollTimer = setInterval(() => log.tail.notify(), every);
    log.pollTimer.unref();
    return log;
  }

  append(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventLogClosedError());
    let append: ReturnType<typeof validateAppend>;
    try {
      append = validateAppend(streamId, events, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ append, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.drain().finally(() => {
      this.writing = null;
      // An append queued after the drain's last look at the queue, but before this ran
      // (its caller resumed from a settled append first), must not be stranded.
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    const max = this.options.maxBatchEvents ?? 5000;
    while (this.queue.length > 0) {
      let count = 0;
      let take = 0;
      while (
        take < this.queue.length &&
        (take === 0 || count + this.queue[take]!.append.events.length <= max)
      ) {
        count += this.queue[take]!.append.events.length;
        take++;
      }
      await this.commit(this.queue.splice(0, take));
    }
  }

  /**
   * One group commit, settling every append of `batch`. A transaction that failed for a
   * reason other than a lost connection wrote nothing, so it is split in halves and retried:
   * one append PostgreSQL refuses fails alone, never the others committed beside it (and no
   * append is retried once it might have been committed).
   */
  private async commit(batch: PendingAppend[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      for (const p of batch) p.reject(storeError(error));
      return;
    }
    // A checked-out client has no 'error' listener of its own: without this one, a
    // connection lost while we hold it (server restart, pg_terminate_backend) is an
    // unhandled 'error' event that ends the process. The query in flight fails anyway.
    const lost = (error: Error) => this.onError(error);
    client.on('error', lost);
    let settled: Settlement[] | null = null;
    let recorded: RecordedEvent[] = [];
    let failure: BatchFailure | null = null;
    try {
      ({ settled, recorded } = await appendBatch(client, batch, this.now(), this.options.hooks));
    } catch (error) {
      failure = error instanceof BatchFailure ? error : new BatchFailure(error, false);
    } finally {
      client.off('error', lost);
      // A client whose transaction failed may be broken: drop it rather than reuse it.
      client.release(failure ? true : undefined);
    }
    if (settled) {
      // The committed rows go straight into the tail when they follow what it has read (no
      // query to read them back); otherwise (another node committed in between) it reads.
      if (recorded.length > 0) this.tail.offer(recorded);
      else this.tail.notify();
      for (const s of settled) {
        if ('result' in s) s.pending.resolve(s.result);
        else s.pending.reject(s.error);
      }
      return;
    }
    const { cause, duringCommit } = failure!;
    if (isConnectionFailure(cause)) {
      const error = storeError(cause, duringCommit);
      for (const p of batch) p.reject(error);
      return;
    }
    if (batch.length === 1) {
      batch[0]!.reject(storeError(cause));
      return;
    }
    const half = Math.ceil(batch.length / 2);
    await this.commit(batch.slice(0, half));
    await this.commit(batch.slice(half));
  }

  readStream(streamId: string, fromVersion = 0): Promise<RecordedEvent[]> {
    return readStream(this.pool, streamId, fromVersion).catch(rethrow);
  }

  readAll(fromPosition: number, limit: number): Promise<RecordedEvent[]> {
    return readAll(this.pool, fromPosition, limit).catch(rethrow);
  }

  readPositions(positions: number[]): Promise<RecordedEvent[]> {
    return readPositions(this.pool, positions).catch(rethrow);
  }

  async head(): Promise<number> {
    return (await readHead(this.pool).catch(rethrow)).position;
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    if (this.closed) throw new EventLogClosedError();
    return this.tail.subscribe(options.from ?? 0, options.signal);
  }

  async verify(): Promise<VerifyResult> {
    const head = await readHead(this.pool).catch(rethrow);
    return verifyChain((from, limit) => this.readAll(from, limit), head);
  }

  /** Stops taking appends, lets queued ones commit, then closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    while (this.writing) await this.writing;
    this.tail.close();
    await this.listener.stop();
    await this.pool.end();
  }
}
