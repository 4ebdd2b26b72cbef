import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  createTestDatabase,
  skipWithoutPostgres,
  type TestDatabase,
} from '../../../test/support/postgres.ts';
import type { RecordedEvent } from '../types.ts';
import { PostgresEventLog, type PostgresEventLogOptions } from './index.ts';
import { MIGRATIONS } from './migrations.ts';

function gate() {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** Resolves once `n` backends of this database are waiting on a lock. */
async function waitForLockWaiters(db: TestDatabase, n: number): Promise<void> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    for (;;) {
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (rows[0]!.n >= n) return;
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    await c.end();
  }
}

describe('PostgreSQL event log under concurrency', async () => {
  const skip = await skipWithoutPostgres();
  let db: TestDatabase;
  const logs: PostgresEventLog[] = [];
  const node = async (options: Partial<PostgresEventLogOptions> = {}) => {
    // A long poll interval: delivery across nodes must come from LISTEN/NOTIFY.
    const log = await PostgresEventLog.open({
      connectionString: db.url,
      pollIntervalMs: 600_000,
      ...options,
    });
    logs.push(log);
    return log;
  };
  before(async () => {
    if (!skip) db = await createTestDatabase();
  });
  after(async () => {
    if (skip) return;
    await Promise.all(logs.map((l) => l.close()));
    await db.drop();
  });

  it('should not let a tailer pass a position whose writer stalls before commit', { skip }, async () => {
    const stall = gate();
    let stalled = gate();
    const writerA = await node({
      hooks: {
        beforeCommit: async () => {
          stalled.open();
          await stall.promise;
        },
      },
    });
    const writerB = await node();
    const tailer = await node();
    const start = await tailer.head();
    const sub = tailer.subscribe({ from: start });

    const a = writerA.append('gap-a', [{ type: 'Late', data: {} }]);
    await stalled.promise; // A holds its position, rows inserted, not committed
    const b = writerB.append('gap-b', [{ type: 'Early', data: {} }]);
    await waitForLockWaiters(db, 1); // B is queued behind A: it cannot commit a later position first
    assert.deepEqual(await tailer.readAll(start, 10), [], 'nothing is visible while A is uncommitted');

    const delivered: RecordedEvent[] = [];
    const reading = (async () => {
      for await (const e of sub) {
        delivered.push(e);
        if (delivered.length === 2) break;
      }
    })();
    stall.open();
    const [ra, rb] = await Promise.all([a, b]);
    await reading;
    assert.equal(ra.lastPosition, start + 1);
    assert.equal(rb.lastPosition, start + 2);
    assert.deepEqual(
      delivered.map((e) => [e.position, e.type]),
      [
        [start + 1, 'Late'],
        [start + 2, 'Early'],
      ],
    );

    // The stalled writer aborts instead: its position is not lost, the next writer takes it.
    const abort = gate();
    stalled = gate();
    const writerC = await node({
      hooks: {
        beforeCommit: async () => {
          stalled.open();
          await abort.promise;
        },
      },
    });
    const sub2 = tailer.subscribe({ from: start + 2 });
    const c = writerC.append('gap-c', [{ type: 'Aborted', data: {} }]);
    await stalled.promise;
    const d = writerB.append('gap-d', [{ type: 'AfterAbort', data: {} }]);
    await waitForLockWaiters(db, 1);
    abort.fail(new Error('writer crashed before commit'));
    await assert.rejects(c, /writer crashed/);
    const rd = await d;
    assert.equal(rd.lastPosition, start + 3);
    const next = await sub2.next();
    assert.equal(next.done, false);
    assert.deepEqual([next.value.position, next.value.type], [start + 3, 'AfterAbort']);
    sub2.close();
    assert.deepEqual(
      (await tailer.readAll(start, 10)).map((e) => e.type),
      ['Late', 'Early', 'AfterAbort'],
    );
  });

  it('should deliver every event exactly once, in readAll order, to a live tailer under 8 stalling writers', {
    skip,
  }, async () => {
    const writersPerNode = 2;
    const nodes = 4;
    const perWriter = 2000;
    const random = (() => {
      let s = 42;
      return () => {
        s = (s * 1103515245 + 12345) % 2147483648;
        return s / 2147483648;
      };
    })();
    const stallingHooks = {
      beforeCommit: async () => {
        if (random() < 0.05) await new Promise((r) => setTimeout(r, 1 + Math.floor(random() * 3)));
      },
    };
    const writerNodes = await Promise.all(
      Array.from({ length: nodes }, () => node({ hooks: stallingHooks })),
    );
    const tailer = await node();
    const start = await tailer.head();
    const total = nodes * writersPerNode * perWriter;
    const got: RecordedEvent[] = [];
    const sub = tailer.subscribe({ from: start });
    const reading = (async () => {
      for await (const e of sub) {
        got.push(e);
        if (got.length === total) break;
      }
    })();

    await Promise.all(
      writerNodes.flatMap((log, n) =>
        Array.from({ length: writersPerNode }, async (_, w) => {
          const streamId = `stress-${n}-${w}-${randomUUID()}`;
          let i = 0;
          while (i < perWriter) {
            const size = Math.min(perWriter - i, 1 + Math.floor(random() * 5));
            const events = Array.from({ length: size }, (_, k) => ({ type: 'Wrote', data: { i: i + k } }));
            await log.append(streamId, events, { expectedVersion: i });
            i += size;
            if (random() < 0.1) await new Promise((r) => setImmediate(r));
          }
        }),
      ),
    );
    await reading;

    const all: RecordedEvent[] = [];
    for (let from = start; ; ) {
      const page = await tailer.readAll(from, 5000);
      if (page.length === 0) break;
      all.push(...page);
      from = page[page.length - 1]!.position;
    }
    assert.equal(all.length, total);
    assert.equal(got.length, total);
    assert.deepEqual(
      got.map((e) => e.id),
      all.map((e) => e.id),
      'live order equals readAll order',
    );
    assert.equal(new Set(got.map((e) => e.id)).size, total, 'no duplicates');
    got.forEach((e, k) => {
      assert.equal(e.position, start + k + 1, 'positions are contiguous');
    });
    const byStream = new Map<string, number[]>();
    for (const e of got) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.data.i as number]);
    for (const seq of byStream.values())
      assert.deepEqual(
        seq,
        Array.from({ length: perWriter }, (_, i) => i),
      );
    const verified = await tailer.verify();
    assert.equal(verified.ok, true);
  });

  it('should refuse UPDATE, DELETE and TRUNCATE of recorded events in the database itself', {
    skip,
  }, async () => {
    const log = await node();
    await log.append('guarded', [{ type: 'Kept', data: {} }]);
    for (const sql of [
      `UPDATE cv_events SET type = 'Changed'`,
      'DELETE FROM cv_events',
      'TRUNCATE cv_events',
      'DELETE FROM cv_log_head',
    ]) {
      await assert.rejects(log.pool.query(sql), /append-only/, sql);
    }
    assert.equal((await log.readStream('guarded'))[0]!.type, 'Kept');
  });

  it('should keep events and continue the chain across a restart, migrating once', { skip }, async () => {
    const first = await node();
    const s = `restart-${randomUUID()}`;
    await first.append(s, [{ type: 'BeforeRestart', data: {} }]);
    await first.close();
    const second = await node();
    await second.append(s, [{ type: 'AfterRestart', data: {} }], { expectedVersion: 1 });
    assert.deepEqual(
      (await second.readStream(s)).map((e) => e.type),
      ['BeforeRestart', 'AfterRestart'],
    );
    const { rows } = await second.pool.query('SELECT version FROM cv_schema_migrations ORDER BY version');
    assert.deepEqual(
      rows.map((r) => r.version),
      MIGRATIONS.map((m) => m.version),
    );
    assert.equal((await second.verify()).ok, true);
  });
});
