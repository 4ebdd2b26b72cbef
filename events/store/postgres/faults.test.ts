import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  createPgInstance,
  type PgInstance,
  pgInstanceUnavailable,
} from '../../../test/support/pg-instance.ts';
import { StoreUnavailableError } from '../errors.ts';
import type { RecordedEvent } from '../types.ts';
import { isConnectionFailure } from './failures.ts';
import { PostgresEventLog, type PostgresEventLogOptions } from './index.ts';

/** Retries `fn` until it stops failing as unavailable (a bounded poll on a condition). */
async function whenAvailable<T>(fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The PostgreSQL log when its server goes away: a private cluster that we crash and restart. */
describe('PostgreSQL event log across lost connections and restarts', async () => {
  const reason = pgInstanceUnavailable();
  if (reason && process.env.CI) throw new Error(`CI=true and ${reason}`);
  const skip = reason ?? false;
  let pgi: PgInstance;
  const logs: PostgresEventLog[] = [];
  const errors: unknown[] = [];
  const open = async (options: Partial<PostgresEventLogOptions> = {}) => {
    const log = await PostgresEventLog.open({
      connectionString: pgi.url,
      // Delivery must come from LISTEN/NOTIFY (re-established), not from the safety poll.
      pollIntervalMs: 600_000,
      onError: (e) => errors.push(e),
      ...options,
    });
    logs.push(log);
    return log;
  };
  before(async () => {
    if (!skip) pgi = await createPgInstance();
  });
  after(async () => {
    if (skip) return;
    await Promise.all(logs.map((l) => l.close()));
    await pgi.destroy();
  });

  it('should fail an append with a retryable UNAVAILABLE, not crash, when its connection is killed mid-append', {
    skip,
  }, async () => {
    let kill = true;
    const log = await open({
      hooks: {
        beforeCommit: async () => {
          if (!kill) return;
          kill = false;
          // Kill the appending backend while we hold its client between two statements: the
          // connection error arrives with no query in flight.
          await pgi.terminateBackends('callvault');
          const c = new pg.Client({ connectionString: pgi.url });
          await c.connect();
          try {
            for (;;) {
              const { rows } = await c.query(
                `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'callvault' AND state LIKE 'idle in%'`,
              );
              if (rows[0].n === 0) break;
              await new Promise((r) => setTimeout(r, 10));
            }
          } finally {
            await c.end();
          }
        },
      },
    });
    const stream = `s-${randomUUID()}`;
    const id = randomUUID();
    const first = log.append(stream, [{ id, type: 'Sent', data: {} }]);
    await assert.rejects(
      first,
      (e: unknown) => e instanceof StoreUnavailableError && e.code === 'UNAVAILABLE',
    );
    // The client retries with the same id: exactly one event, whatever the first outcome was.
    const retried = await whenAvailable(() => log.append(stream, [{ id, type: 'Sent', data: {} }]));
    assert.equal(retried.streamVersion, 1);
    const again = await log.append(stream, [{ id, type: 'Sent', data: {} }]);
    assert.equal(again.appended, false);
    assert.deepEqual(
      (await log.readStream(stream)).map((e) => e.id),
      [id],
    );
  });

  it('should append, tail and hear other nodes again after PostgreSQL crashes and restarts', {
    skip,
  }, async () => {
    const a = await open();
    const b = await open();
    const start = await a.head();
    const sub = a.subscribe({ from: start });
    const seen: RecordedEvent[] = [];
    const reading = (async () => {
      for await (const e of sub) {
        seen.push(e);
        if (e.type === 'AfterRestart') break;
      }
    })();
    await a.append(`s-${randomUUID()}`, [{ type: 'BeforeRestart', data: {} }]);

    await pgi.restart('immediate'); // a crash: recovery on start
    const during = await Promise.allSettled([a.append(`s-${randomUUID()}`, [{ type: 'Maybe', data: {} }])]);
    if (during[0].status === 'rejected') assert.ok(during[0].reason instanceof StoreUnavailableError);

    // Node B writes; node A hears of it only through its re-established LISTEN connection.
    await whenAvailable(() => b.append(`s-${randomUUID()}`, [{ type: 'AfterRestart', data: {} }]));
    await reading;
    assert.deepEqual(
      seen.map((e) => e.type).filter((t) => t !== 'Maybe'),
      ['BeforeRestart', 'AfterRestart'],
    );
    assert.equal((await a.verify()).ok, true);
  });

  it('should keep a subscription that is catching up when its read fails while PostgreSQL is down', {
    skip,
  }, async () => {
    const writer = await open();
    await writer.append(`s-${randomUUID()}`, [{ type: 'Old', data: {} }]);
    const reader = await open(); // its tail starts at the end: catching up must read the log
    await pgi.stop('fast');
    const failuresBefore = errors.filter((e) => isConnectionFailure(e)).length;
    const sub = reader.subscribe({ from: 0 });
    const first = sub.next();
    try {
      // Wait until the subscription's read has failed at least once (reported, not thrown).
      const until = Date.now() + 10_000;
      while (errors.filter((e) => isConnectionFailure(e)).length === failuresBefore && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await pgi.start();
    }
    const r = await first;
    assert.equal(r.done, false);
    assert.equal(r.value?.position, 1);
    sub.close();
  });

  it('should refuse to open with a connection failure while PostgreSQL is down, and open once it is up', {
    skip,
  }, async () => {
    await pgi.stop('fast');
    try {
      const failure = await open({ connectTimeoutMs: 2000 }).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(isConnectionFailure(failure), `a connection failure, not ${String(failure)}`);
    } finally {
      await pgi.start();
    }
    const log = await open();
    assert.equal(typeof (await log.head()), 'number');
  });
});
